import Foundation

/// The frame of every message: who emitted it and when, who requested the work, headers carried end to end,
/// and the message itself. One `Message` type per topic kind (see the typealiases below).
public struct Envelope<Message: Sendable & Codable>: Sendable, Codable {
    /// Unique per message; derived from the input when an engine emits it, so reprocessing an input emits the
    /// same ids.
    public var messageId: String
    /// The worker or client that emitted it.
    public var emitterName: String
    public var emittedAt: Date
    public var requester: Requester?
    public var message: Message
    /// Context carried from a client through the engines, the executors and the task context, and back on the
    /// results (trace context, per-call options...): what a message emits because of this one carries its
    /// headers. Interceptors set them.
    public var headers: [String: String]

    public init(
        messageId: String, emitterName: String, emittedAt: Date, requester: Requester?, message: Message,
        headers: [String: String] = [:]
    ) {
        self.messageId = messageId
        self.emitterName = emitterName
        self.emittedAt = emittedAt
        self.requester = requester
        self.message = message
        self.headers = headers
    }

    private enum CodingKeys: String, CodingKey {
        case messageId, emitterName, emittedAt, requester, message, headers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageId = try container.decode(String.self, forKey: .messageId)
        emitterName = try container.decode(String.self, forKey: .emitterName)
        emittedAt = try container.decode(Date.self, forKey: .emittedAt)
        requester = try container.decodeIfPresent(Requester.self, forKey: .requester)
        message = try container.decode(Message.self, forKey: .message)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
    }

    /// Headers are written only when there are some (messages without stay as small as before).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageId, forKey: .messageId)
        try container.encode(emitterName, forKey: .emitterName)
        try container.encode(emittedAt, forKey: .emittedAt)
        try container.encodeIfPresent(requester, forKey: .requester)
        try container.encode(message, forKey: .message)
        if !headers.isEmpty { try container.encode(headers, forKey: .headers) }
    }
}

/// A decoded message with envelope headers (what `RoleStep.headers` reads).
protocol CarriesHeaders {
    var headers: [String: String] { get }
}

extension Envelope: CarriesHeaders {}

/// Messages to a workflow state engine (`workflow-engine:<Name>`, keyed by workflow id).
public typealias WorkflowEngineEnvelope = Envelope<WorkflowEngineMessage>
/// Workflow tasks for a workflow executor (`workflow-executor:<Name>`).
public typealias WorkflowExecutorEnvelope = Envelope<WorkflowTask>
/// Tasks for a service executor (`service-executor:<Name>`).
public typealias ServiceExecutorEnvelope = Envelope<ServiceTask>
/// Messages to a workflow tag engine (`workflow-tag:<Name>`, keyed by tag).
public typealias WorkflowTagEnvelope = Envelope<WorkflowTagMessage>
/// Messages to a service tag engine (`service-tag:<Name>`, keyed by tag).
public typealias ServiceTagEnvelope = Envelope<ServiceTagMessage>
/// Responses to a client (`client:<clientName>`).
public typealias ClientEnvelope = Envelope<ClientMessage>

extension Envelope: BinaryKeyedReadable {
    init(fields: BinaryReadFields) throws {
        messageId = try fields.field("messageId")
        emitterName = try fields.field("emitterName")
        emittedAt = try fields.field("emittedAt")
        requester = try fields.fieldIfPresent("requester")
        message = try fields.field("message")
        headers = try fields.fieldIfPresent("headers") ?? [:]
    }
}

extension Envelope: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        try fields.field("messageId", messageId)
        try fields.field("emitterName", emitterName)
        try fields.field("emittedAt", emittedAt)
        try fields.fieldIfPresent("requester", requester)
        try fields.field("message", message)
        if !headers.isEmpty { try fields.field("headers", headers) }
    }
}
