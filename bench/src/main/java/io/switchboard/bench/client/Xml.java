package io.switchboard.bench.client;

/** Escaping for the few strings the client puts into XML. */
public final class Xml {

    private Xml() {
    }

    /** Escapes text for element content and for attribute values in either quote. */
    public static String escape(String s) {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '<' || c == '>' || c == '&' || c == '\'' || c == '"') {
                break;
            }
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '\'' -> b.append("&apos;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
