package io.switchboard.storage;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Entity;

/** Hibernate stays an implementation detail of this package. */
@AnalyzeClasses(packages = "io.switchboard", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] HIBERNATE = {"org.hibernate..", "jakarta.persistence.."};

    @ArchTest
    static final ArchRule hibernateIsUsedOnlyInStorage = noClasses()
            .that().resideOutsideOfPackage("io.switchboard.storage..")
            .should().dependOnClassesThat().resideInAnyPackage(HIBERNATE);

    @ArchTest
    static final ArchRule entitiesAreNotPublic = classes()
            .that().areAnnotatedWith(Entity.class).or().areAnnotatedWith(Embeddable.class)
            .should().notBePublic();

    @ArchTest
    static final ArchRule publicTypesDoNotShowHibernate = noClasses()
            .that().arePublic().and().resideInAPackage("io.switchboard.storage..")
            .should().dependOnClassesThat().resideInAnyPackage(HIBERNATE);
}
