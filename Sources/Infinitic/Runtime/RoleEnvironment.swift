import Foundation
import Logging

/// What every role needs besides its own definitions: the transport it consumes and publishes on, the codec of
/// messages and payloads, the name stamped on the messages it emits, a logger, and the clock stamping them.
public struct RoleEnvironment: Sendable {
    public var transport: any Transport
    /// Stamped on emitted messages (`Envelope.emitterName`) and prefixing consumer names.
    public var emitterName: String
    public var codec: any PayloadCodec
    public var logger: Logger
    /// The instant used to stamp emitted messages.
    public var now: @Sendable () -> Date
    /// What every step, task execution, workflow task replay and workflow command passes through.
    public var interceptors: Interceptors
    /// Whether service executors and workflow state engines emit events (nil: none).
    public var events: EventSettings?

    public init(
        transport: any Transport, emitterName: String, codec: any PayloadCodec = BinaryPayloadCodec(),
        logger: Logger = .disabled("infinitic"), now: @escaping @Sendable () -> Date = { Date() },
        interceptors: Interceptors = [], events: EventSettings? = nil
    ) {
        self.transport = transport
        self.emitterName = emitterName
        self.codec = codec
        self.logger = logger
        self.now = now
        self.interceptors = interceptors
        self.events = events
    }

    /// A consumer name unique in its group: the emitter name and a random suffix.
    func consumerName() -> String {
        "\(emitterName)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    /// The logger of one role, with its metadata.
    func logger(role: String, name: String) -> Logger {
        var logger = self.logger
        logger[metadataKey: LogKeys.role] = "\(role)"
        logger[metadataKey: LogKeys.name] = "\(name)"
        return logger
    }
}
