package io.switchboard.muc;

import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers for data forms (XEP-0004). */
final class Forms {

    private Forms() {
    }

    static String bool(boolean b) {
        return b ? "1" : "0";
    }

    static XmlElement field(String var, String type, String label, String value) {
        XmlElement.Builder f = XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).attr("type", type)
                .attr("label", label);
        if (value != null) {
            f.textChild(Ns.DATA_FORMS, "value", value);
        }
        return f.build();
    }

    static XmlElement listSingle(String var, String label, String value, List<String> options) {
        XmlElement.Builder f = XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).attr("type", "list-single")
                .attr("label", label);
        f.textChild(Ns.DATA_FORMS, "value", value);
        for (String o : options) {
            f.child(XmlElement.builder(Ns.DATA_FORMS, "option").attr("label", o)
                    .textChild(Ns.DATA_FORMS, "value", o).build());
        }
        return f.build();
    }

    static XmlElement multi(String var, String type, String label, List<String> values, List<String> options) {
        XmlElement.Builder f = XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", var).attr("type", type)
                .attr("label", label);
        for (String v : values) {
            f.textChild(Ns.DATA_FORMS, "value", v);
        }
        if (options != null) {
            for (String o : options) {
                f.child(XmlElement.builder(Ns.DATA_FORMS, "option").attr("label", o)
                        .textChild(Ns.DATA_FORMS, "value", o).build());
            }
        }
        return f.build();
    }

    /** Field values of a submitted form, by var. */
    static Map<String, List<String>> values(XmlElement form) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (XmlElement f : form.elements(Ns.DATA_FORMS, "field")) {
            String var = f.attr("var");
            if (var != null) {
                out.put(var, f.elements(Ns.DATA_FORMS, "value").stream().map(XmlElement::text).toList());
            }
        }
        return out;
    }

    /** The FORM_TYPE of a form, or null. */
    static String formType(XmlElement form) {
        List<String> t = values(form).get("FORM_TYPE");
        return t == null || t.isEmpty() ? null : t.get(0);
    }
}
