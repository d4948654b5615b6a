import Foundation

/// A message an engine or executor wants sent, with its destination. `outgoingMessage(codec:)` turns it into
/// the transport's `OutgoingMessage` (topic, key, bytes), so routing lives here and nowhere else.
///
/// Indirect: its cases hold envelopes of several hundred bytes, and outbounds pass through the async frames of
/// every step (which the task allocator takes from the heap); indirect, an outbound is one reference.
public indirect enum Outbound: Sendable {
    case workflowEngine(WorkflowEngineEnvelope)
    /// To a workflow state engine at `at` (a timer, a caller-side timeout), through the transport's scheduled
    /// delivery.
    case delayedWorkflowEngine(WorkflowEngineEnvelope, at: Date)
    case workflowExecutor(WorkflowExecutorEnvelope)
    /// To the own topic of the workflow executor `executor` (sticky routing: it keeps the method's replay parked).
    case stickyWorkflowExecutor(WorkflowExecutorEnvelope, executor: String)
    case serviceExecutor(ServiceExecutorEnvelope, delivery: ScheduledDelivery)
    case workflowTag(WorkflowTagEnvelope)
    /// To a workflow tag engine at `at` (a schedule's tick), through the transport's scheduled delivery.
    case delayedWorkflowTag(WorkflowTagEnvelope, at: Date)
    case serviceTag(ServiceTagEnvelope)
    case delayedServiceTag(ServiceTagEnvelope, at: Date)
    case client(name: String, ClientEnvelope)

    /// The id of the message carried.
    public var messageId: String {
        switch self {
        case .workflowEngine(let envelope), .delayedWorkflowEngine(let envelope, _): envelope.messageId
        case .workflowExecutor(let envelope), .stickyWorkflowExecutor(let envelope, _): envelope.messageId
        case .serviceExecutor(let envelope, _): envelope.messageId
        case .workflowTag(let envelope), .delayedWorkflowTag(let envelope, _): envelope.messageId
        case .serviceTag(let envelope), .delayedServiceTag(let envelope, _): envelope.messageId
        case .client(_, let envelope): envelope.messageId
        }
    }

    /// The transport message: topic and key from `Topics`, the envelope encoded with `codec`, the message id as
    /// the publication id (so a scheduled message emitted twice is stored once).
    public func outgoingMessage(codec: any PayloadCodec) throws -> OutgoingMessage {
        switch self {
        case .workflowEngine(let envelope):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.workflowEngine(message.workflowName), key: message.workflowId,
                payload: try codec.encode(envelope), id: envelope.messageId)
        case .delayedWorkflowEngine(let envelope, let due):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.workflowEngine(message.workflowName), key: message.workflowId,
                payload: try codec.encode(envelope), delivery: .at(due), id: envelope.messageId)
        case .workflowExecutor(let envelope):
            let task = envelope.message
            return OutgoingMessage(
                topic: Topics.workflowExecutor(task.workflowName), partitionKey: task.workflowId,
                payload: try codec.encode(envelope), id: envelope.messageId)
        case .stickyWorkflowExecutor(let envelope, let executor):
            let task = envelope.message
            return OutgoingMessage(
                topic: Topics.stickyWorkflowExecutor(task.workflowName, executor: executor),
                partitionKey: task.workflowId, payload: try codec.encode(envelope), id: envelope.messageId)
        case .serviceExecutor(let envelope, let delivery):
            return OutgoingMessage(
                topic: Topics.serviceExecutor(envelope.message.serviceName), payload: try codec.encode(envelope),
                delivery: delivery, id: envelope.messageId)
        case .workflowTag(let envelope):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.workflowTag(message.workflowName), key: message.tag, payload: try codec.encode(envelope),
                id: envelope.messageId)
        case .delayedWorkflowTag(let envelope, let due):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.workflowTag(message.workflowName), key: message.tag, payload: try codec.encode(envelope),
                delivery: .at(due), id: envelope.messageId)
        case .serviceTag(let envelope):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.serviceTag(message.serviceName), key: message.tag, payload: try codec.encode(envelope),
                id: envelope.messageId)
        case .delayedServiceTag(let envelope, let due):
            let message = envelope.message
            return OutgoingMessage(
                topic: Topics.serviceTag(message.serviceName), key: message.tag, payload: try codec.encode(envelope),
                delivery: .at(due), id: envelope.messageId)
        case .client(let name, let envelope):
            return OutgoingMessage(
                topic: Topics.client(name), payload: try codec.encode(envelope), id: envelope.messageId)
        }
    }
}
