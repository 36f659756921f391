package io.switchboard.xml;

/** A node of the immutable XML tree: an element or a run of text. */
public sealed interface XmlNode permits XmlElement, XmlText {
}
