import Foundation
import Infinitic
import InfiniticConfiguration
import InfiniticRedis
import InfiniticWorkerCommand
import Testing
import TripBooking

/// Configuration files: the shape, environment values, errors naming key and line, and the worker command's
/// precedence (defaults, then the file, then the command line).
@Suite("Configuration files")
struct ConfigurationFileTests {
    static let sample = """
        name: worker-7
        transport:
          redis:
            url: ${TEST_REDIS_URL:-redis://127.0.0.1:6379}
            namespace: ${TEST_NAMESPACE}
            poolSize: 3
        consumer: {concurrency: 4, visibilityTimeoutSeconds: 2}
        services:
          - name: HotelService
            concurrency: 2
            timeoutSeconds: 1.5
            retry: {minimumSeconds: 0.5, maximumRetries: 7}
        workflows:
          - name: BookTrip
            stateEngine: {concurrency: 9}
        events: {retainedEvents: 500, source: infinitic/test}
        resultRetentionSeconds: 30
        cachedStates: 250
        replay: {inlineWorkflowTasks: false, stickyReplays: 50, stickyReplayCommands: 5000, stickyTaskTimeoutSeconds: 3}
        eventListener: {name: audit, attempts: 3}
        roles: [service-executor:HotelService, event-listener:audit]
        client: {callTimeoutSeconds: 12}
        metrics: {port: 9500, host: 127.0.0.1}
        """

    static func base() -> WorkerConfiguration {
        WorkerConfiguration(
            transport: .redis(url: "redis://unused"), services: TripBookingApp.services(),
            workflows: TripBookingApp.workflows)
    }

    @Test
    func aFileConfiguresTheWorkerAndTheClient() throws {
        let file = try ConfigurationFile(yaml: Self.sample, environment: ["TEST_NAMESPACE": "trips"])
        #expect(file.transport.redis.url == "redis://127.0.0.1:6379")
        #expect(file.transport.redis.namespace == "trips")
        var worker = Self.base()
        try file.apply(to: &worker)
        #expect(worker.name == "worker-7")
        #expect(worker.consumerSettings.concurrency == 4)
        #expect(worker.consumerSettings.visibilityTimeout == .seconds(2))
        #expect(worker.settings(for: .serviceExecutor("HotelService")).concurrency == 2)
        #expect(worker.settings(for: .workflowStateEngine("BookTrip")).concurrency == 9)
        #expect(worker.settings(for: .workflowExecutor("BookTrip")).concurrency == 4)
        let hotel = try #require(worker.services.first { $0.name == "HotelService" })
        #expect(hotel.retryPolicy.maximumRetries == 7 && hotel.retryPolicy.minimumSeconds == 0.5)
        #expect(hotel.executionTimeout == .seconds(1.5))
        #expect(worker.events == EventSettings(retainedEvents: 500, source: "infinitic/test"))
        #expect(worker.cachedStates == 250)
        #expect(worker.eventListenerSettings.name == "audit" && worker.eventListenerSettings.attempts == 3)
        #expect(worker.roles == [.serviceExecutor("HotelService"), .eventListener("audit")])
        #expect(worker.resultRetention == .seconds(30))
        #expect(Self.base().resultRetention == .seconds(300), "5 minutes unless configured")
        #expect(!worker.inlineWorkflowTasks && worker.stickyReplays == 50 && worker.stickyReplayCommands == 5_000)
        #expect(worker.stickyTaskTimeout == .seconds(3))
        let defaults = Self.base()
        #expect(defaults.inlineWorkflowTasks && defaults.stickyReplays == 1_000)
        #expect(defaults.stickyTaskTimeout == .seconds(10), "10 seconds unless configured")
        var client = ClientConfiguration(transport: .redis(url: "redis://unused"))
        try file.apply(to: &client)
        #expect(client.callTimeout == .seconds(12))
    }

    @Test
    func theDeploySampleIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Deploy/worker.yml").path
        var worker = Self.base()
        try ConfigurationFile.load(path: path, environment: [:]).apply(to: &worker)
        #expect(worker.settings(for: .serviceExecutor("HotelService")).concurrency == 16)
    }

    /// Each mistake names its key and its line.
    @Test(arguments: [
        (
            "transport:\n  redis:\n    url: redis://x\nconsumer:\n  concurency: 3\n", "consumer.concurency", 5,
            "unknown key"
        ),
        (
            "transport:\n  redis:\n    url: redis://x\nconsumer:\n  concurrency: many\n", "consumer.concurrency", 5,
            "expected"
        ),
        (
            "transport:\n  redis:\n    url: redis://x\nservices:\n  - name: A\n  - concurrency: 2\n",
            "services[1].name", 6, "missing"
        ),
        ("transport:\n  redis: {}\n", "transport.redis.url", 2, "missing"),
        ("transport:\n  redis:\n    url: redis://x\nmetrics:\n  port: 70000\n", "metrics.port", 5, "expected"),
        ("transport:\n  redis:\n    url: ${NOPE}\n", "", 3, "NOPE"),
        ("transport:\n  redis:\n    url: [redis://x\n", "", 4, "invalid YAML"),
    ])
    func mistakesNameTheKeyAndTheLine(_ yaml: String, _ key: String, _ line: Int, _ reason: String) throws {
        let error = #expect(throws: ConfigurationFileError.self) {
            try ConfigurationFile(yaml: yaml, file: "worker.yml", environment: [:])
        }
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("worker.yml:\(line)") == true)
    }

    @Test
    func aNegativeStateCacheIsAnError() throws {
        let file = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\ncachedStates: -1\n", environment: [:])
        var worker = Self.base()
        let error = #expect(throws: ConfigurationFileError.self) { try file.apply(to: &worker) }
        #expect(error?.key == "cachedStates")
        #expect(worker.cachedStates == 1_000, "unchanged")
    }

    @Test
    func aNegativeResultRetentionIsAnError() throws {
        let file = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\nresultRetentionSeconds: -1\n", environment: [:])
        var worker = Self.base()
        let error = #expect(throws: ConfigurationFileError.self) { try file.apply(to: &worker) }
        #expect(error?.key == "resultRetentionSeconds")
        let zero = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\nresultRetentionSeconds: 0\n", environment: [:])
        try zero.apply(to: &worker)
        #expect(worker.resultRetention == .zero)
    }

    @Test(arguments: [
        ("stickyReplays: -1", "replay.stickyReplays"), ("stickyReplayCommands: 0", "replay.stickyReplayCommands"),
        ("stickyTaskTimeoutSeconds: -2", "replay.stickyTaskTimeoutSeconds"),
    ])
    func aNegativeReplaySettingIsAnError(_ setting: String, _ key: String) throws {
        let file = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\nreplay: {\(setting)}\n", environment: [:])
        var worker = Self.base()
        let error = #expect(throws: ConfigurationFileError.self) { try file.apply(to: &worker) }
        #expect(error?.key == key, "\(String(describing: error))")
    }

    @Test
    func aZeroStickyTaskTimeoutTurnsStickyRoutingOff() throws {
        let file = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\nreplay: {stickyTaskTimeoutSeconds: 0}\n", environment: [:])
        var worker = Self.base()
        try file.apply(to: &worker)
        #expect(worker.stickyTaskTimeout == nil && worker.stickyReplays == 1_000)
    }

    @Test
    func aServiceTheProgramDoesNotRegisterIsAnError() throws {
        let file = try ConfigurationFile(
            yaml: "transport: {redis: {url: redis://x}}\nservices:\n  - name: Hotel\n", environment: [:])
        var worker = Self.base()
        #expect(throws: ConfigurationFileError.self) { try file.apply(to: &worker) }
    }

    @Test
    func theCommandLineOverridesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID()).yml").path
        try Self.sample.replacingOccurrences(of: "${TEST_NAMESPACE}", with: "trips")
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = try WorkerOptions.parse([
            "--config", path, "--role", "workflow-state-engine:BookTrip", "--concurrency", "5", "--name", "cli",
            "--result-retention", "2.5",
        ])
        let worker = try options.configuration(Self.base(), environment: [:])
        #expect(worker.roles == [.workflowStateEngine("BookTrip")])
        #expect(worker.name == "cli")
        #expect(worker.resultRetention == .seconds(2.5), "over the file's 30 s")
        #expect(worker.consumerSettings.concurrency == 5)
        #expect(worker.settings(for: .workflowStateEngine("BookTrip")).concurrency == 5)
        #expect(worker.consumerSettings.visibilityTimeout == .seconds(2), "the file's, not overridden")
        #expect(throws: (any Error).self) { try WorkerOptions.parse(["--role", "cook:Dinner"]) }
    }

    @Test
    func theMetricsEndpointComesFromTheFileOrTheCommandLine() throws {
        let file = try ConfigurationFile(yaml: Self.sample, environment: ["TEST_NAMESPACE": "trips"])
        #expect(file.metrics == ConfigurationFile.MetricsSection(port: 9500, host: "127.0.0.1"))
        let fromFile = try #require(try WorkerOptions.parse([]).metricsAddress(file: file))
        #expect(fromFile.host == "127.0.0.1" && fromFile.port == 9500)
        let fromLine = try #require(try WorkerOptions.parse(["--metrics-port", "9600"]).metricsAddress(file: file))
        #expect(fromLine.host == "127.0.0.1" && fromLine.port == 9600)
        #expect(try WorkerOptions.parse([]).metricsAddress(file: nil) == nil, "no endpoint unless asked for")
        let alone = try #require(try WorkerOptions.parse(["--metrics-port", "9700"]).metricsAddress(file: nil))
        #expect(alone.host == "0.0.0.0" && alone.port == 9700)
    }
}
