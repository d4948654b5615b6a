import Foundation
import Testing

@testable import Infinitic

/// The hand-written JSON of the events topic is the document `JSONEncoder` writes (sorted keys, slashes not
/// escaped, RFC 3339 milliseconds), byte for byte, and reads back to the same events.
struct CloudEventJSONTests {
    private static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(format))
        }
        return encoder
    }()

    @Test func sameBytesAsJSONEncoderAndReadsBack() throws {
        let awkward = [
            "plain", "", "quote \" and backslash \\", "lines\nand\ttabs\r", "control \u{01}\u{1f}\u{08}\u{0c}",
            "slash / and unicode é 日本 🚀", "{\"json\": [1, 2]}",
        ]
        var random = SystemRandomNumberGenerator()
        var events: [CloudEvent] = []
        for index in 0..<200 {
            let text = awkward[index % awkward.count]
            // 0.4 ms past a whole millisecond: both encoders write that millisecond, whatever the binary rounding.
            let milliseconds = Double(Int64.random(in: 0...4_102_444_800_000, using: &random)) + 0.4
            events.append(
                CloudEvent(
                    id: "id-\(index)-\(text)", source: "infinitic/workflows/\(text)", type: "infinitic.task.started",
                    subject: text, time: Date(timeIntervalSince1970: milliseconds / 1000),
                    data: ["workflowId": "w\(index)", "error": text, text: "key \(index)"]))
        }
        for count in [0, 1, 2, 200] {
            let batch = Array(events.prefix(count))
            let expected = String(decoding: try Self.reference.encode(batch), as: UTF8.self)
            let written = String(decoding: CloudEvent.encode(batch), as: UTF8.self)
            let differsAt =
                Array(zip(written, expected)).firstIndex { $0 != $1 } ?? min(written.count, expected.count)
            #expect(
                written == expected,
                "differs at \(differsAt): \(written.dropFirst(max(0, differsAt - 40)).prefix(80)) vs \(expected.dropFirst(max(0, differsAt - 40)).prefix(80))"
            )
            let decoded = try CloudEvent.decode(Array(written.utf8))
            #expect(decoded.count == batch.count)
            for (read, sent) in zip(decoded, batch) {
                var withReadTime = sent
                withReadTime.time = read.time
                #expect(read == withReadTime)
                #expect(abs(read.time.timeIntervalSince(sent.time)) < 0.001)
            }
        }
    }

    /// The direct reader gives what `JSONDecoder` gives for the documents written here (to the microsecond), and
    /// leaves anything else to it: other valid documents still read, invalid ones still throw.
    @Test func directReadingAgreesWithJSONDecoder() throws {
        let awkward = ["plain", "quote \" \\ /", "lines\n\t\r\u{01}", "é 日本 🚀", ""]
        let events = (0..<50).map { index in
            let text = awkward[index % awkward.count]
            return CloudEvent(
                id: "id-\(index)\(text)", source: "s/\(text)", type: "infinitic.workflow.completed", subject: text,
                time: Date(timeIntervalSince1970: Double(1_700_000_000_000 + index * 7_919) / 1000 + 0.0004),
                data: ["k": text, text: "v"])
        }
        let written = CloudEvent.encode(events)
        let direct = try #require(CloudEvent.decodeJSON(written), "the direct reader refused its own document")
        let reference = try JSONDecoder.events.decode([CloudEvent].self, from: Data(written))
        #expect(direct.count == reference.count)
        for (fast, slow) in zip(direct, reference) {
            var sameTime = fast
            sameTime.time = slow.time
            #expect(sameTime == slow)
            #expect(abs(fast.time.timeIntervalSince(slow.time)) < 0.000_001)
        }
        // Another writer's valid document (spaces, a \u escape with a surrogate pair, a number member): read by
        // the fallback when the direct reader declines.
        let other = """
            [ { "specversion": "1.0", "id": "x\\ud83d\\ude80", "source": "s", "type": "t", "subject": "w",
                "time": "2026-12-01T04:05:06.789Z", "datacontenttype": "application/json",
                "data": { "a": "b" }, "extra": 1 } ]
            """
        #expect(CloudEvent.decodeJSON(Array(other.utf8)) == nil)
        let read = try CloudEvent.decode(Array(other.utf8))
        #expect(read.map(\.id) == ["x🚀"] && read.first?.data == ["a": "b"])
        // Invalid documents still throw.
        for bad in ["", "[", "[{}]", "{\"id\": \"x\"}", "[{\"id\": \"\\uZZZZ\"}]", "not json"] {
            #expect(throws: (any Error).self, "\(bad)") { try CloudEvent.decode(Array(bad.utf8)) }
        }
    }
}

extension JSONDecoder {
    /// Foundation's reading of the events' JSON, the reference for the direct reader.
    fileprivate static var events: JSONDecoder {
        let decoder = JSONDecoder()
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        decoder.dateDecodingStrategy = .custom { decoder in
            try format.parse(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }
}
