package io.switchboard.handler;

import io.switchboard.stanza.Iq;
import io.switchboard.stanza.StanzaException;

/**
 * Answers one kind of IQ request. Handlers are stateless and shared by all sessions; they run on
 * the requesting session's worker and may block briefly on storage.
 */
@FunctionalInterface
public interface IqHandler {

    /**
     * @return the reply ({@code type='result'}), or null when the handler sends its reply itself later
     * @throws StanzaException to reply with that error
     */
    Iq handle(IqRequest request) throws StanzaException;
}
