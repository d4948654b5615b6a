import Foundation

/// An event of the engine as a CloudEvents 1.0 document (JSON structured mode): what an event listener
/// receives (`InfiniticEventListener`).
///
/// - `type`: `infinitic.task.<event>` or `infinitic.workflow.<event>` (`InfiniticEventType`);
/// - `source`: `<EventSettings.source>/services/<Name>` or `<EventSettings.source>/workflows/<Name>`;
/// - `subject`: the task id or the workflow id;
/// - `id`: stable for one event, the same when a redelivered message emits it again: deduplicate on it
///   (delivery is at least once);
/// - `data`: names and ids (service, method, task, workflow, method id) and, for failures, the error.
public struct CloudEvent: Sendable, Hashable, Codable {
    public var specversion: String
    public var id: String
    public var source: String
    public var type: String
    public var subject: String
    public var time: Date
    public var datacontenttype: String
    public var data: [String: String]

    public init(id: String, source: String, type: String, subject: String, time: Date, data: [String: String]) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.datacontenttype = "application/json"
        self.data = data
    }

    /// The event type, when it is one of Infinitic's.
    public var eventType: InfiniticEventType? { InfiniticEventType(rawValue: type) }

    /// JSON as stored in the events topic: an array of events, `time` in RFC 3339 with milliseconds.
    static func encode(_ events: [CloudEvent]) -> [UInt8] {
        encodeJSON(events)
    }

    /// The events of a stored document: read directly when it has the shape `encode` writes, else through
    /// `JSONDecoder` (any valid document of events; its error says what is wrong with an invalid one).
    static func decode(_ bytes: [UInt8]) throws -> [CloudEvent] {
        if let events = decodeJSON(bytes) { return events }
        return try decoder.decode([CloudEvent].self, from: Data(bytes))
    }

    private static let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? format.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        return decoder
    }
}
