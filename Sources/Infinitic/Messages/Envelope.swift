import Foundation

/// The frame of every message: who emitted it and when, who requested the work, and the message itself.
/// One `Message` type per topic kind (see the typealiases below).
public struct Envelope<Message: Sendable & Codable>: Sendable, Codable {
    /// Unique per message; derived from the input when an engine emits it, so reprocessing an input emits the
    /// same ids.
    public var messageId: String
    /// The worker or client that emitted it.
    public var emitterName: String
    public var emittedAt: Date
    public var requester: Requester?
    public var message: Message

    public init(messageId: String, emitterName: String, emittedAt: Date, requester: Requester?, message: Message) {
        self.messageId = messageId
        self.emitterName = emitterName
        self.emittedAt = emittedAt
        self.requester = requester
        self.message = message
    }
}

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
