package io.switchboard.handler;

import io.switchboard.form.DataForm;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The entity capabilities hash (XEP-0115 §5) of a disco#info answer: the one implementation, used
 * for the server's own {@code ver} and to verify the hashes clients announce.
 */
public final class CapsHash {

    private static final XmlName XML_LANG = XmlName.of(Ns.XML, "lang");

    private CapsHash() {
    }

    private record Id(String category, String type, String lang, String name) {
    }

    private static final Comparator<Id> ID_ORDER = Comparator.comparing(Id::category).thenComparing(Id::type)
            .thenComparing(Id::lang).thenComparing(Id::name);

    /**
     * The verification string of a {@code <query xmlns='http://jabber.org/protocol/disco#info'/>}
     * (§5.1), or null when §5.4 calls the answer ill-formed: a repeated identity or feature, two
     * extended forms of one FORM_TYPE, or a FORM_TYPE with no value or differing values. Extended
     * forms without a FORM_TYPE are left out.
     */
    public static String verificationString(XmlElement query) {
        List<Id> identities = new ArrayList<>();
        List<String> features = new ArrayList<>();
        List<XmlElement> forms = new ArrayList<>();
        for (XmlElement e : query.elements()) {
            if (e.is(Ns.DISCO_INFO, "identity")) {
                identities.add(new Id(nz(e.attr("category")), nz(e.attr("type")), nz(e.attr(XML_LANG)),
                        nz(e.attr("name"))));
            } else if (e.is(Ns.DISCO_INFO, "feature")) {
                features.add(nz(e.attr("var")));
            } else if (e.is(Ns.DATA_FORMS, "x")) {
                forms.add(e);
            }
        }
        if (new HashSet<>(identities).size() != identities.size() || new HashSet<>(features).size() != features.size()) {
            return null;
        }
        identities.sort(ID_ORDER);
        features.sort(Comparator.naturalOrder());
        StringBuilder s = new StringBuilder();
        for (Id i : identities) {
            s.append(i.category()).append('/').append(i.type()).append('/').append(i.lang()).append('/')
                    .append(i.name()).append('<');
        }
        for (String f : features) {
            s.append(f).append('<');
        }
        List<String[]> typed = new ArrayList<>(); // {FORM_TYPE, the rest of the form's string}
        Set<String> formTypes = new HashSet<>();
        for (XmlElement x : forms) {
            String formType = null;
            List<DataForm.Field> fields = new ArrayList<>();
            for (DataForm.Field f : DataForm.fields(x)) {
                if (!DataForm.FORM_TYPE.equals(f.var())) {
                    fields.add(f);
                } else if (formType != null || f.values().isEmpty() || Set.copyOf(f.values()).size() != 1) {
                    return null;
                } else {
                    formType = f.first();
                }
            }
            if (formType == null) {
                continue;
            }
            if (!formTypes.add(formType)) {
                return null;
            }
            fields.sort(Comparator.comparing(f -> nz(f.var())));
            StringBuilder fs = new StringBuilder();
            for (DataForm.Field f : fields) {
                fs.append(nz(f.var())).append('<');
                List<String> values = new ArrayList<>(f.values());
                values.sort(Comparator.naturalOrder());
                for (String v : values) {
                    fs.append(v).append('<');
                }
            }
            typed.add(new String[]{formType, fs.toString()});
        }
        typed.sort(Comparator.comparing(f -> f[0]));
        for (String[] f : typed) {
            s.append(f[0]).append('<').append(f[1]);
        }
        return s.toString();
    }

    /**
     * The Base64 hash of a verification string with a {@code hash} attribute's algorithm
     * ("sha-1", "sha-256", "sha-512"), or null for other algorithms.
     */
    public static String hash(String algorithm, String verificationString) {
        String alg = switch (algorithm == null ? "" : algorithm) {
            case "sha-1" -> "SHA-1";
            case "sha-256" -> "SHA-256";
            case "sha-512" -> "SHA-512";
            default -> null;
        };
        if (alg == null) {
            return null;
        }
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance(alg)
                    .digest(verificationString.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is not available", e);
        }
    }

    /** Whether {@code ver} is the {@code algorithm} hash of {@code query} (false when ill-formed or unknown). */
    public static boolean matches(String algorithm, String ver, XmlElement query) {
        String s = verificationString(query);
        String h = s == null ? null : hash(algorithm, s);
        return h != null && h.equals(ver);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
