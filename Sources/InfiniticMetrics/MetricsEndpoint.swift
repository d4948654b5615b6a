import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// An HTTP endpoint serving a worker's metrics and health:
///
/// - `GET /metrics`: every metric of `registry`, in the Prometheus text format (after `beforeScrape`, which
///   can refresh gauges read on demand, such as `BacklogGauges`);
/// - `GET /health`: 200 `ok` while `isHealthy()` is true (the worker runs), 503 otherwise.
///
/// A `Service`: run it beside the worker (in the same `ServiceGroup`); it stops on cancellation or graceful
/// shutdown. `host` 0.0.0.0 listens on every interface (for a scraper elsewhere), 127.0.0.1 on loopback only;
/// port 0 takes a free port (see `port()`).
public final class MetricsEndpoint: Service, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let server: HTTPServer

    public init(
        host: String = "0.0.0.0", port: UInt16, registry: PrometheusCollectorRegistry,
        beforeScrape: @escaping @Sendable () async -> Void = {}, isHealthy: @escaping @Sendable () -> Bool
    ) throws {
        self.registry = registry
        let address: sockaddr_in
        do {
            address = try .inet(ip4: host, port: port)
        } catch {
            throw MetricsEndpointError.invalidHost(host)
        }
        var routes = RoutedHTTPHandler()
        routes.appendRoute("GET /metrics") { _ in
            await beforeScrape()
            return HTTPResponse(
                statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(registry.emitToBuffer()))
        }
        routes.appendRoute("GET /health") { _ in
            isHealthy()
                ? HTTPResponse(statusCode: .ok, body: Data("ok\n".utf8))
                : HTTPResponse(statusCode: .serviceUnavailable, body: Data("not running\n".utf8))
        }
        server = HTTPServer(address: address, logger: .disabled, handler: routes)
    }

    /// Serves until cancellation or graceful shutdown.
    public func run() async throws {
        let stopping = Atomic(false)
        do {
            try await withGracefulShutdownHandler {
                try await self.server.run()
            } onGracefulShutdown: {
                stopping.store(true, ordering: .relaxed)
                Task { await self.server.stop() }
            }
        } catch  where stopping.load(ordering: .relaxed) || Task.isCancelled {
            // Stopped as asked: the listening socket closed under the server.
        }
    }

    /// The port it listens on, once listening (waits for it).
    public func port() async throws -> UInt16 {
        try await server.waitUntilListening()
        guard case .ip4(_, let port) = await server.listeningAddress else { throw MetricsEndpointError.notListening }
        return port
    }
}

/// Why a metrics endpoint cannot start.
public enum MetricsEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host is not an IPv4 address.
    case invalidHost(String)
    case notListening

    public var description: String {
        switch self {
        case .invalidHost(let host): "metrics host '\(host)' is not an IPv4 address (e.g. 0.0.0.0 or 127.0.0.1)"
        case .notListening: "the metrics endpoint is not listening"
        }
    }
}
