import Logging
import ServiceLifecycle

/// The service tag engine of one service: consumes the keyed `service-tag:<Name>` (one message per tag at a
/// time), keeps the tag → task ids sets and answers id lookups.
public struct ServiceTagEngineRole: Service {
    /// The consumer group of service tag engines.
    public static let group = "service-tag-engine"

    public let serviceName: String
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let engine: ServiceTagEngine
    private let logger: Logger

    public init(serviceName: String, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.serviceName = serviceName
        self.environment = environment
        self.settings = settings
        self.engine = ServiceTagEngine(emitterName: environment.emitterName)
        self.logger = environment.logger(role: Self.group, name: serviceName)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.serviceTag(serviceName), group: Self.group, consumer: environment.consumerName())
        let transport = environment.transport
        logger.debug("service tag engine starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await transport.consume(subscription) { message in
            let disposition = try await engine.disposition(
                for: message, codec: environment.codec, now: environment.now(),
                readIds: { try await transport.members(of: $0) })
            if case .deadLetter(let reason) = disposition {
                logger.warning(
                    "dead-lettering a service tag message", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
            }
            return disposition
        }
        logger.debug("service tag engine stopped")
    }
}
