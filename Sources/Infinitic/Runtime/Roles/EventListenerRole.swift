import Foundation
import Logging

/// The event listener: consumes the events topic in its own group (`event-listener:<name>`) and hands each
/// stored batch of events to the user's `InfiniticEventListener`, in order (it reads one batch at a time).
/// A listener that throws is called again after a pause; after `attempts` calls the batch is dead-lettered
/// (never retried through the topic, which other listeners read too).
public struct EventListenerRole: Role {
    public static let group = "event-listener"

    public let listener: any InfiniticEventListener
    public let settings: EventListenerSettings
    public let events: EventSettings

    public init(listener: any InfiniticEventListener, settings: EventListenerSettings, events: EventSettings) {
        self.listener = listener
        self.settings = settings
        self.events = events
    }

    public var name: String { settings.name }
    public var consumerGroup: String { "\(Self.group):\(settings.name)" }
    public var topic: Topic { events.topic }

    public func decode(_ message: ReceivedMessage) throws -> [CloudEvent] {
        try CloudEvent.decode(message.payload)
    }

    public func step(_ inputs: [RoleInput<[CloudEvent]>], context: RoleContext) async throws -> BatchDisposition {
        let events = inputs.flatMap(\.value)
        guard !events.isEmpty else { return .ack() }
        var delay = settings.retryDelay
        for attempt in 1...settings.attempts {
            do {
                try await listener.onEvents(events)
                return .ack()
            } catch {
                try Task.checkCancellation()
                context.logger.warning(
                    "event listener failed",
                    metadata: [
                        LogKeys.error: "\(error)", "attempt": "\(attempt)", "events": "\(events.count)",
                    ])
                guard attempt < settings.attempts else {
                    return BatchDisposition(
                        .deadLetter(reason: "event listener failed \(attempt) times, last: \(error)"))
                }
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return .ack()
    }
}
