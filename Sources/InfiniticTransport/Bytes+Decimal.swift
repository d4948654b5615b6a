extension Array where Element == UInt8 {
    /// Appends the decimal digits of `value` (≥ 0), without going through a `String`: RESP lengths, the length
    /// prefixes of stable ids.
    package mutating func appendDecimal(_ value: Int) {
        precondition(value >= 0, "appendDecimal takes a value ≥ 0")
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
