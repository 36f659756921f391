package io.switchboard.form;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlFragments;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataFormTest {

    static final String SUBMIT = "<x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value> urn:test </value></field>"
            + "<field var='a'><value>1</value></field>"
            + "<field><value>no var</value></field>"
            + "<field var='m' type='list-multi'><value>x</value><value>y</value></field>"
            + "<field var='a'><value>2</value></field>"
            + "<field var='empty'/></x>";

    @Test
    void fieldsAndValuesOfASubmittedForm() {
        XmlElement x = XmlFragments.parse(SUBMIT);
        assertThat(DataForm.fields(x)).hasSize(6);
        assertThat(DataForm.fields(x).get(2).var()).isNull();
        assertThat(DataForm.fields(x).get(3)).isEqualTo(new DataForm.Field("m", "list-multi", List.of("x", "y")));
        assertThat(DataForm.fields(x).get(5).first()).isNull();
        Map<String, List<String>> v = DataForm.values(x);
        assertThat(v.keySet()).containsExactly("FORM_TYPE", "a", "m", "empty");
        assertThat(v.get("a")).containsExactly("2");
        assertThat(v.get("empty")).isEmpty();
        assertThat(DataForm.formType(x)).isEqualTo(" urn:test ");
    }

    @Test
    void theFormTypeCheck() throws StanzaException {
        XmlElement x = XmlFragments.parse(SUBMIT);
        DataForm.requireFormType(x, "urn:other", "urn:test");
        DataForm.requireFormType(XmlFragments.parse("<x xmlns='jabber:x:data' type='submit'/>"), "urn:test");
        assertThatThrownBy(() -> DataForm.requireFormType(x, "urn:other"))
                .isInstanceOf(StanzaException.class).hasMessageContaining("unexpected FORM_TYPE urn:test");
    }

    @Test
    void builtFieldsAndForms() {
        XmlElement x = DataForm.form("form").child(DataForm.formTypeField("urn:test"))
                .child(DataForm.field("t", "text-single", null, (String) null))
                .child(DataForm.field("l", "list-single", "Pick", List.of("b"), DataForm.labelledOptions(List.of("a", "b"))))
                .child(DataForm.field("u", "list-single", null, List.of("a"), DataForm.options(List.of("a"))))
                .build();
        assertThat(x).isEqualTo(XmlFragments.parse("<x xmlns='jabber:x:data' type='form'>"
                + "<field var='FORM_TYPE' type='hidden'><value>urn:test</value></field>"
                + "<field var='t' type='text-single'/>"
                + "<field var='l' type='list-single' label='Pick'><value>b</value>"
                + "<option label='a'><value>a</value></option><option label='b'><value>b</value></option></field>"
                + "<field var='u' type='list-single'><value>a</value><option><value>a</value></option></field></x>"));
        assertThat(DataForm.formType(x)).isEqualTo("urn:test");
        assertThat(DataForm.bool(true) + DataForm.bool(false)).isEqualTo("10");
    }
}
