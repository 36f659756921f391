package io.switchboard.transport.mina;

import java.util.List;

import io.switchboard.xml.StreamHeader;
import io.switchboard.xml.XmlElement;
import io.switchboard.xml.XmlStreamException;

/** What the decoder hands from the I/O thread to the session's worker. */
sealed interface StreamEvent {

    record Open(StreamHeader header) implements StreamEvent {
    }

    /** The elements of one read, in order: handled in one task, their writes batched ({@link WriteBatch}). */
    record Elements(List<XmlElement> elements) implements StreamEvent {
    }

    record Close() implements StreamEvent {
    }

    record Error(XmlStreamException error) implements StreamEvent {
    }
}
