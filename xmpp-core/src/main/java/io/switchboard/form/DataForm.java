package io.switchboard.form;

import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data forms (XEP-0004, {@code jabber:x:data}): reading the fields of a submitted form, its
 * {@code FORM_TYPE}, and building forms and fields. Shared by every feature that takes or shows a
 * form (MUC configuration and requests, PEP node configuration and publish-options, MAM queries,
 * the extended disco#info forms of entity capabilities).
 */
public final class DataForm {

    /** The hidden field naming a form's type (XEP-0068). */
    public static final String FORM_TYPE = "FORM_TYPE";

    private DataForm() {
    }

    /**
     * One field of a form as received.
     *
     * @param var    the field's name, null when absent
     * @param type   the field's type attribute, null when absent
     * @param values the texts of its {@code <value/>} children, in order
     */
    public record Field(String var, String type, List<String> values) {

        /** The first value, or null when there is none. */
        public String first() {
            return values.isEmpty() ? null : values.get(0);
        }
    }

    // ---------------------------------------------------------------- reading

    /** The fields of {@code form}, in document order (duplicates and fields without a var kept). */
    public static List<Field> fields(XmlElement form) {
        List<Field> out = new ArrayList<>();
        for (XmlElement f : form.elements(Ns.DATA_FORMS, "field")) {
            List<String> values = new ArrayList<>();
            for (XmlElement v : f.elements(Ns.DATA_FORMS, "value")) {
                values.add(v.text());
            }
            out.add(new Field(f.attr("var"), f.attr("type"), List.copyOf(values)));
        }
        return out;
    }

    /**
     * The values of a submitted form by field name, in the order the fields first appear; a field
     * named twice keeps its last values; fields without a var are left out, {@code FORM_TYPE} is
     * included. The map may be changed by the caller.
     */
    public static Map<String, List<String>> values(XmlElement form) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Field f : fields(form)) {
            if (f.var() != null) {
                out.put(f.var(), f.values());
            }
        }
        return out;
    }

    /** The form's {@code FORM_TYPE} (the first value of its last FORM_TYPE field), or null. */
    public static String formType(XmlElement form) {
        List<String> t = values(form).get(FORM_TYPE);
        return t == null || t.isEmpty() ? null : t.get(0);
    }

    /**
     * Checks that a form without a {@code FORM_TYPE}, or with one of {@code accepted} (white space
     * around it ignored), was submitted.
     *
     * @throws StanzaException bad-request naming the unexpected FORM_TYPE
     */
    public static void requireFormType(XmlElement form, String... accepted) throws StanzaException {
        String type = formType(form);
        if (type == null) {
            return;
        }
        String t = type.trim();
        for (String a : accepted) {
            if (a.equals(t)) {
                return;
            }
        }
        throw new StanzaException(StanzaError.badRequest("unexpected FORM_TYPE " + t));
    }

    // ---------------------------------------------------------------- building

    /** An empty {@code <x xmlns='jabber:x:data' type='...'/>} to add fields to ("form", "result", "submit"). */
    public static XmlElement.Builder form(String type) {
        return XmlElement.builder(Ns.DATA_FORMS, "x").attr("type", type);
    }

    /** The hidden {@code FORM_TYPE} field. */
    public static XmlElement formTypeField(String formType) {
        return field(FORM_TYPE, "hidden", null, formType);
    }

    /** A field with at most one value ({@code value} null: none); null type or label are left out. */
    public static XmlElement field(String var, String type, String label, String value) {
        return field(var, type, label, value == null ? List.of() : List.of(value), null);
    }

    /** A field with its values and {@code options} (from {@link #options} or {@link #labelledOptions}; null: none). */
    public static XmlElement field(String var, String type, String label, List<String> values,
                                   List<XmlElement> options) {
        XmlElement.Builder f = XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).attr("type", type)
                .attr("label", label);
        for (String v : values) {
            f.textChild(Ns.DATA_FORMS, "value", v);
        }
        if (options != null) {
            f.children(options);
        }
        return f.build();
    }

    /** {@code <option/>}s without labels. */
    public static List<XmlElement> options(List<String> values) {
        return values.stream().map(v -> option(null, v)).toList();
    }

    /** {@code <option/>}s labelled with their values. */
    public static List<XmlElement> labelledOptions(List<String> values) {
        return values.stream().map(v -> option(v, v)).toList();
    }

    private static XmlElement option(String label, String value) {
        return XmlElement.builder(Ns.DATA_FORMS, "option").attr("label", label).textChild(Ns.DATA_FORMS, "value", value)
                .build();
    }

    /** A boolean field's value: "1" or "0". */
    public static String bool(boolean b) {
        return b ? "1" : "0";
    }
}
