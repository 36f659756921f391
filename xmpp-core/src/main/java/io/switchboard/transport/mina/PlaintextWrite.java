package io.switchboard.transport.mina;

import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.filter.ssl.DisableEncryptWriteRequest;

/** A write that passes the TLS filter unencrypted: {@code <proceed/>}, written after TLS is installed. */
final class PlaintextWrite extends DefaultWriteRequest implements DisableEncryptWriteRequest {
    PlaintextWrite(Object message, WriteFuture future) {
        super(message, future);
    }
}
