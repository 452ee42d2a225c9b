package io.killkrill.it.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a handle of type {@code T} on a real service, found or started once per JVM (in the root store) and
 * closed when the test run ends. Subclasses say how to find or start it ({@link TestServices} gives the order).
 */
abstract class SharedServiceExtension<T> implements ParameterResolver {
    private final Class<T> type;

    SharedServiceExtension(Class<T> type) {
        this.type = type;
    }

    /** Finds or starts the service; {@code onClose} releases the handle and stops what was started. */
    abstract Running<T> start();

    @Override
    public final boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == type;
    }

    @Override
    public final Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(getClass(), key -> start(), Running.class).service();
    }

    record Running<T>(T service, AutoCloseable onClose)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws Exception {
            onClose.close();
        }
    }
}
