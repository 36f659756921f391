package io.switchboard.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.Test;

/** The module boundaries of docs/architecture.md, enforced. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.switchboard");

    @Test
    void minaStaysInsideTheTransportAdapter() {
        noClasses().that().resideOutsideOfPackage("io.switchboard.transport.mina..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.mina..")
                .check(CORE);
    }

    @Test
    void noHibernateInTheCore() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.hibernate..", "jakarta.persistence..")
                .check(CORE);
    }

    @Test
    void theCoreDoesNotKnowTheAdapterImplementations() {
        noClasses().that().resideOutsideOfPackages("io.switchboard.server..", "io.switchboard.transport.mina..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.transport.mina..")
                .check(CORE);
        // PepModule's no-arg constructor uses the in-memory PubSubStore until Storage offers pubsub();
        // the integrator removes this exception with that constructor.
        noClasses().that().resideOutsideOfPackages("io.switchboard.server..", "io.switchboard.store.memory..")
                .and().doNotHaveFullyQualifiedName("io.switchboard.ext.pubsub.PepModule")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.store.memory..")
                .check(CORE);
        noClasses().that().resideOutsideOfPackages("io.switchboard.server..", "io.switchboard.cluster.local..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.cluster.local..")
                .check(CORE);
    }

    @Test
    void protocolLogicDoesNotDependOnTheTransport() {
        noClasses().that().resideInAnyPackage("io.switchboard.routing..", "io.switchboard.im..", "io.switchboard.ext..",
                        "io.switchboard.handler..", "io.switchboard.store..")
                .should().dependOnClassesThat().resideInAnyPackage("io.switchboard.transport..", "io.switchboard.c2s..")
                .check(CORE);
    }

    @Test
    void featurePackagesHaveNoCycles() {
        SlicesRuleDefinition.slices().matching("io.switchboard.(*)..").should().beFreeOfCycles().check(CORE);
    }
}
