import Testing

@testable import InfiniticTransport

@Suite struct BytesDecimalTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 12_345, 1_000_000, Int.max])
    func decimalDigitsAreWhatStringWrites(_ value: Int) {
        var bytes: [UInt8] = [UInt8(ascii: "$")]
        bytes.appendDecimal(value)
        #expect(bytes == Array("$\(value)".utf8))
    }
}
