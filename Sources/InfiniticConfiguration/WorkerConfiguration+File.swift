import Foundation
import Infinitic
import InfiniticRedis

extension ConfigurationFile.ReplaySection {
    /// Sets the replay settings it gives; a negative count or timeout is an error naming its key.
    func apply(to configuration: inout WorkerConfiguration) throws(ConfigurationFileError) {
        func invalid(_ key: String, _ reason: String) -> ConfigurationFileError {
            ConfigurationFileError(file: "", key: "replay.\(key)", line: nil, reason: reason)
        }
        if let inlineWorkflowTasks { configuration.inlineWorkflowTasks = inlineWorkflowTasks }
        if let stickyReplays {
            guard stickyReplays >= 0 else { throw invalid("stickyReplays", "must be 0 (none) or more") }
            configuration.stickyReplays = stickyReplays
        }
        if let stickyReplayCommands {
            guard stickyReplayCommands >= 1 else { throw invalid("stickyReplayCommands", "must be 1 or more") }
            configuration.stickyReplayCommands = stickyReplayCommands
        }
        if let seconds = stickyTaskTimeoutSeconds {
            guard seconds >= 0, seconds.isFinite else {
                throw invalid("stickyTaskTimeoutSeconds", "must be 0 (no sticky routing) or more seconds")
            }
            configuration.stickyTaskTimeout = seconds > 0 ? .seconds(seconds) : nil
        }
    }
}

extension ConfigurationFile {
    /// The Redis transport the file describes.
    public var transportFactory: RedisTransportFactory {
        get throws(ConfigurationFileError) {
            let redis = transport.redis
            do {
                var configuration = try RedisStreamsConfiguration(
                    url: redis.url, namespace: redis.namespace ?? "infinitic", partitions: redis.partitions ?? 1)
                if let poolSize = redis.poolSize { configuration.redis.poolSize = max(1, poolSize) }
                return .redis(configuration)
            } catch {
                throw ConfigurationFileError(file: "", key: "transport.redis", line: nil, reason: "\(error)")
            }
        }
    }

    /// Applies the file to a worker configuration whose services and workflows are registered in code: the
    /// transport, the name, consumer settings per role, retry policies and timeouts of services, events, the
    /// event listener's settings and the roles. A service or workflow named in the file but not registered is
    /// an error (its settings would be silently ignored).
    public func apply(to configuration: inout WorkerConfiguration) throws(ConfigurationFileError) {
        configuration.transport = try transportFactory
        if let name { configuration.name = name }
        let base = consumer.map { $0.settings(over: ConsumerSettings()) } ?? configuration.consumerSettings
        configuration.consumerSettings = base
        for (index, section) in (services ?? []).enumerated() {
            guard let position = configuration.services.firstIndex(where: { $0.name == section.name }) else {
                throw ConfigurationFileError(
                    file: "", key: "services[\(index)].name", line: nil,
                    reason: "no service \(section.name) is registered by this program")
            }
            var definition = configuration.services[position]
            if let retry = section.retry { definition.retryPolicy = retry.policy(over: definition.retryPolicy) }
            if let timeout = section.timeoutSeconds { definition.executionTimeout = .seconds(timeout) }
            configuration.services[position] = definition
            if let concurrency = section.concurrency {
                var settings = base
                settings.concurrency = max(1, concurrency)
                configuration.roleSettings[.serviceExecutor(section.name)] = settings
            }
            if let tagEngine = section.tagEngine {
                configuration.roleSettings[.serviceTagEngine(section.name)] = tagEngine.settings(over: base)
            }
        }
        for (index, section) in (workflows ?? []).enumerated() {
            guard configuration.workflows.contains(where: { $0.name == section.name }) else {
                throw ConfigurationFileError(
                    file: "", key: "workflows[\(index)].name", line: nil,
                    reason: "no workflow \(section.name) is registered by this program")
            }
            let roles: [(ConsumerSection?, WorkerRole)] = [
                (section.executor, .workflowExecutor(section.name)),
                (section.stateEngine, .workflowStateEngine(section.name)),
                (section.tagEngine, .workflowTagEngine(section.name)),
            ]
            for case (let consumer?, let role) in roles {
                configuration.roleSettings[role] = consumer.settings(over: base)
            }
        }
        if let timeout = workflowTaskTimeoutSeconds { configuration.workflowTaskTimeout = .seconds(timeout) }
        if let replay { try replay.apply(to: &configuration) }
        if let retention = resultRetentionSeconds {
            guard retention >= 0, retention.isFinite else {
                throw ConfigurationFileError(
                    file: "", key: "resultRetentionSeconds", line: nil,
                    reason: "a retention must be 0 or more seconds, not \(retention)")
            }
            configuration.resultRetention = .seconds(retention)
        }
        if let cachedStates {
            guard cachedStates >= 0 else {
                throw ConfigurationFileError(
                    file: "", key: "cachedStates", line: nil, reason: "must be 0 (none) or more, not \(cachedStates)")
            }
            configuration.cachedStates = cachedStates
        }
        if let events {
            let defaults = EventSettings()
            configuration.events = EventSettings(
                retainedEvents: events.retainedEvents ?? defaults.retainedEvents,
                source: events.source ?? defaults.source)
        }
        if let listener = eventListener {
            var settings = configuration.eventListenerSettings
            if let name = listener.name { settings.name = name }
            if let attempts = listener.attempts { settings.attempts = max(1, attempts) }
            if let delay = listener.retryDelaySeconds { settings.retryDelay = .seconds(delay) }
            configuration.eventListenerSettings = settings
            if let concurrency = listener.concurrency {
                var consumer = base
                consumer.concurrency = max(1, concurrency)
                configuration.roleSettings[.eventListener(settings.name)] = consumer
            }
        }
        if let roles {
            var parsed: [WorkerRole] = []
            for (index, text) in roles.enumerated() {
                guard let role = WorkerRole(argument: text) else {
                    throw ConfigurationFileError(
                        file: "", key: "roles[\(index)]", line: nil,
                        reason: "unknown role '\(text)'; expected kind:name, kind one of \(WorkerRole.argumentKinds)")
                }
                parsed.append(role)
            }
            configuration.roles = parsed
        }
    }

    /// Applies the file to a client configuration: the transport, the name and the timeouts.
    public func apply(to configuration: inout ClientConfiguration) throws(ConfigurationFileError) {
        configuration.transport = try transportFactory
        if let name = client?.name { configuration.name = name }
        if let seconds = client?.callTimeoutSeconds { configuration.callTimeout = .seconds(seconds) }
        if let seconds = client?.queryTimeoutSeconds { configuration.queryTimeout = .seconds(seconds) }
    }
}

extension ConfigurationFile.ConsumerSection {
    func settings(over base: ConsumerSettings) -> ConsumerSettings {
        var settings = base
        if let concurrency { settings.concurrency = max(1, concurrency) }
        if let batchSize { settings.batchSize = max(1, batchSize) }
        if let seconds = visibilityTimeoutSeconds { settings.visibilityTimeout = .seconds(seconds) }
        if let maxDeliveries { settings.maxDeliveries = max(1, maxDeliveries) }
        return settings
    }
}

extension ConfigurationFile.RetrySection {
    func policy(over base: RetryPolicy) -> RetryPolicy {
        let minimum = minimumSeconds ?? base.minimumSeconds
        return RetryPolicy(
            minimumSeconds: minimum, maximumSeconds: maximumSeconds ?? max(base.maximumSeconds, minimum),
            backoffCoefficient: backoffCoefficient ?? base.backoffCoefficient,
            randomFactor: randomFactor ?? base.randomFactor, maximumRetries: maximumRetries ?? base.maximumRetries,
            nonRetryableErrors: base.nonRetryableErrors)
    }
}
