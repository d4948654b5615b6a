import Foundation
import Testing

@testable import Infinitic

/// Filters evaluated on encoded signals without their types, for both codecs.
@Suite struct SignalFilterTests {
    enum Event: Codable, Equatable {
        case shipped(parcel: String, weight: Double)
        case lost
    }

    struct Order: Codable {
        var id: String
        var amount: Int
        var price: Double
        var urgent: Bool
        var note: String?
        var lines: [Line]
        var event: Event
        struct Line: Codable { var sku: String }
    }

    static let codecs: [any PayloadCodec] = [BinaryPayloadCodec(), JSONPayloadCodec()]

    static let order = Order(
        id: "o-1", amount: 1_500, price: -2.5, urgent: true, note: nil,
        lines: [.init(sku: "a"), .init(sku: String(repeating: "b", count: 70))],
        event: .shipped(parcel: "p", weight: 1.5))

    @Test(arguments: [0, 1]) func readsEveryKindOfValue(_ codec: Int) throws {
        let codec = Self.codecs[codec]
        let value = try codec.untypedValue(of: try codec.payload(Self.order))
        #expect(value.value(at: "id") == "o-1")
        #expect(value.value(at: "amount") == 1500)
        #expect(value.value(at: "price") == -2.5)
        #expect(value.value(at: "urgent") == true)
        #expect(value.value(at: "lines.1.sku") == .string(String(repeating: "b", count: 70)))
        #expect(value.value(at: "lines.2") == nil)
        #expect(value.value(at: "event.shipped.weight") == 1.5)
    }

    @Test(arguments: [0, 1]) func filtersAcceptAndReject(_ codec: Int) throws {
        let codec = Self.codecs[codec]
        let value = try codec.untypedValue(of: try codec.payload(Self.order))
        let accepted: [SignalFilter] = [
            .equals("id", "o-1"), .greaterThan("amount", 1000), .lessThanOrEqual("price", -2.5),
            .lessThan("id", "o-2"), .exists("lines.0"), .missing("note.x"), .notEquals("amount", 1),
            .all([.equals("urgent", true), .isCase("shipped", at: "event")]),
            .any([.equals("id", "x"), .exists("id")]),
            .not(.equals("id", "x")), .equals("lines.0.sku", "a"),
        ]
        let rejected: [SignalFilter] = [
            .equals("id", "o-2"), .greaterThan("amount", 1500), .greaterThan("id", 3), .notEquals("absent", 1),
            .isCase("lost", at: "event"), .exists("lines.5"), .all([.exists("id"), .missing("id")]), .any([]),
        ]
        for filter in accepted { #expect(filter.accepts(value), "\(filter)") }
        for filter in rejected { #expect(!filter.accepts(value), "\(filter)") }
        #expect(SignalFilter.isCase("lost").accepts(try codec.untypedValue(of: try codec.payload(Event.lost))))
    }

    @Test func corruptBinaryIsAnErrorNotACrash() throws {
        let bytes = try BinaryPayloadCodec().encode(Self.order)
        for length in 0..<bytes.count {
            _ = try? PayloadValue.readBinary(Array(bytes.prefix(length)))
        }
        #expect(throws: (any Error).self) { try PayloadValue.readBinary([0xB1, 0x09, 0x7F]) }
    }
}
