/// Holds a value out of line for a struct that copies it on write: the struct stays small (one reference), so
/// copying it and keeping it in an async function's frame costs a retain rather than the value's size and a
/// retain of each of its fields. Mutate only through `unique(_:)` or `replace(_:with:)`.
final class CopyOnWriteBox<Value: Sendable>: @unchecked Sendable {
    /// Read by anyone; written only through a box that `unique(_:)` returned (no other reference exists then).
    var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// `box`, or a copy of it if it is shared, so that writing its value changes no other holder's.
    static func unique(_ box: inout CopyOnWriteBox) -> CopyOnWriteBox {
        if !isKnownUniquelyReferenced(&box) { box = CopyOnWriteBox(box.value) }
        return box
    }

    /// Sets `box`'s value to `value`: in place if no one else holds it, else in a new box (the old value is not
    /// copied first).
    static func replace(_ box: inout CopyOnWriteBox, with value: Value) {
        if isKnownUniquelyReferenced(&box) { box.value = value } else { box = CopyOnWriteBox(value) }
    }
}
