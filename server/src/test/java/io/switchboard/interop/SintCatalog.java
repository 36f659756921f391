package io.switchboard.interop;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.igniterealtime.smack.inttest.AbstractSmackIntTest;
import org.igniterealtime.smack.inttest.AbstractSmackIntegrationTest;
import org.igniterealtime.smack.inttest.AbstractSmackLowLevelIntegrationTest;
import org.igniterealtime.smack.inttest.annotations.SmackIntegrationTest;
import org.igniterealtime.smack.inttest.annotations.SpecificationReference;

/**
 * The test classes in the smack-integration-test jar, found the way the framework finds them: concrete
 * subclasses of {@link AbstractSmackIntegrationTest} or {@link AbstractSmackLowLevelIntegrationTest}. Most end
 * in {@code IntegrationTest}; six do not ({@code ChatTest}, {@code StreamManagementTest},
 * {@code WaitForClosingStreamElementTest}, {@code EntityCapsTest}, {@code OmemoMamDecryptionTest},
 * {@code FormTest}) and are run too. With {@code enabledConnections=tcp} each annotated method is one concrete
 * test.
 */
final class SintCatalog {

    record TestClass(String name, String specification, List<String> methods) {
        String simpleName() {
            return name.substring(name.lastIndexOf('.') + 1);
        }
    }

    private SintCatalog() {
    }

    static List<TestClass> scan() throws IOException {
        Path jar;
        try {
            jar = Path.of(AbstractSmackIntTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<TestClass> found = new ArrayList<>();
        ClassLoader loader = SintCatalog.class.getClassLoader();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                String path = entry.getName();
                if (!path.endsWith(".class") || path.contains("$") || path.startsWith("META-INF")) {
                    continue;
                }
                String name = path.substring(0, path.length() - ".class".length()).replace('/', '.');
                Class<?> c;
                try {
                    c = Class.forName(name, false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                boolean test = AbstractSmackIntegrationTest.class.isAssignableFrom(c)
                        || AbstractSmackLowLevelIntegrationTest.class.isAssignableFrom(c);
                if (!test || Modifier.isAbstract(c.getModifiers())) {
                    continue;
                }
                found.add(describe(c));
            }
        }
        found.sort(Comparator.comparing(TestClass::name));
        return found;
    }

    private static TestClass describe(Class<?> c) {
        List<String> methods = new ArrayList<>();
        try {
            for (Method m : c.getMethods()) {
                if (m.isAnnotationPresent(SmackIntegrationTest.class)) {
                    methods.add(m.getName());
                }
            }
        } catch (LinkageError e) {
            // A signature refers to a class missing here; the child run will report the class as a whole.
        }
        Collections.sort(methods);
        SpecificationReference spec = c.getAnnotation(SpecificationReference.class);
        String document = spec == null ? "" : spec.document();
        return new TestClass(c.getName(), document, List.copyOf(methods));
    }
}
