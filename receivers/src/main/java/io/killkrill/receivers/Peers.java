package io.killkrill.receivers;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** How every transport names the client an item came from ({@code source.peer}, dead letters, log lines). */
public final class Peers {
    private Peers() {
    }

    /** {@code host:port} of an IP address, else the address as it prints. */
    public static String of(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
