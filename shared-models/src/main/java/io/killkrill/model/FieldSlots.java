package io.killkrill.model;

import java.util.List;
import java.util.stream.Stream;

/**
 * The members of a JSON object that a codec reads, one slot per name it knows: what the streaming reader of
 * stream entries fills ({@link EntryEnvelope}) and a receiver's typed fields ({@link LogEventFields}) are held
 * in. Members of other names are not kept.
 */
final class FieldSlots implements JsonFields {
    /** The names a codec reads; a name's position is its slot. */
    static final class Names {
        private final String[] names;

        Names(List<String> names) {
            this.names = names.toArray(String[]::new);
        }

        /** The name's slot, or -1 for a name the codec does not read. */
        int indexOf(String name) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        /** These names followed by {@code more}: a codec's own fields after the envelope's. */
        Names with(List<String> more) {
            return new Names(Stream.concat(Stream.of(names), more.stream()).toList());
        }
    }

    private final Names names;
    private final Object[] values;

    FieldSlots(Names names) {
        this.names = names;
        this.values = new Object[names.names.length];
    }

    /** The slot of a member of this name, or -1 for a name the codec does not read (its value is not kept). */
    int slot(String name) {
        return names.indexOf(name);
    }

    void set(int slot, Object value) {
        values[slot] = value;
    }

    void set(String name, Object value) {
        int slot = names.indexOf(name);
        if (slot < 0) {
            throw new IllegalArgumentException("no slot for '" + name + "'");
        }
        values[slot] = value;
    }

    @Override
    public Object get(String name) {
        int slot = names.indexOf(name);
        return slot < 0 ? null : values[slot];
    }
}
