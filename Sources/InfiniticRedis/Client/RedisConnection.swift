import Dispatch
import Foundation
import Synchronization

/// One Redis connection behind a Sendable, async facade.
///
/// The hiredis context lives on a dedicated thread and never leaves it. Callers enqueue commands; the thread
/// takes everything queued, writes it as one pipeline, reads the replies and resumes the callers in order. So
/// concurrent callers are pipelined automatically, and blocking hiredis calls never run on Swift's cooperative
/// pool.
///
/// A command whose connection dies in flight fails with `.connectionLost` (it may or may not have been
/// applied); the next command reconnects, waiting out an exponential backoff between failed attempts.
public final class RedisConnection: Sendable {
    public let configuration: RedisConfiguration
    private let core: ConnectionCore

    /// Starts the connection's thread; the TCP connection is made on first use (see `connect()`).
    /// - Parameter readTimeout: overrides `configuration.readTimeout` (blocking reads need a longer one).
    public init(configuration: RedisConfiguration, name: String = "redis", readTimeout: Duration?? = nil) {
        self.configuration = configuration
        let timeout: Duration? = readTimeout ?? configuration.readTimeout
        core = ConnectionCore(configuration: configuration, readTimeout: timeout)
        let core = self.core
        let thread = Thread { core.run() }
        thread.name = "\(name)-\(configuration.host):\(configuration.port)"
        thread.start()
    }

    deinit {
        core.close()
    }

    /// Connects now (rather than on first use) and checks the server answers `PING`.
    public func connect() async throws {
        try await send(PING())
    }

    /// Sends one command and decodes its reply; an error reply is thrown as a `.server` `RedisError`, a
    /// reply of another shape as `.unexpectedReply`.
    @discardableResult
    public func send<Request: RedisRequest>(_ request: Request) async throws -> Request.Response {
        try request.response(to: try await pipeline([request.command])[0])
    }

    /// Sends several commands in one round trip. Error replies are returned in place, not thrown: one
    /// failing command does not hide the others' results. Connection failures are thrown.
    func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(commands) { result in continuation.resume(with: result) }
        }
    }

    /// Queues commands with a completion called on the connection's thread (keep it short). Once `cancel` is set,
    /// commands not written yet are not sent: they fail with `.cancelled`.
    func enqueue(
        _ commands: [RedisCommand], cancel: CancelFlag? = nil,
        completion: @escaping @Sendable (Result<[RedisReply], RedisError>) -> Void
    ) {
        core.submit(ConnectionCore.Request(commands: commands, cancel: cancel, completion: completion))
    }

    /// Whether commands are written and waiting for their replies (a blocking command may be blocked).
    var isAwaitingReplies: Bool { core.isAwaitingReplies }

    /// The server-side id of the current connection (`CLIENT ID`), for `CLIENT UNBLOCK`/`CLIENT KILL`.
    public var clientID: Int? { core.clientID }

    /// Fails queued commands with `.closed`, closes the socket and ends the thread. Idempotent.
    public func close() {
        core.close()
    }

    /// The server this connection talks to (`configuration`'s, unless retargeted).
    public var endpoint: RedisEndpoint { core.endpoint }

    /// Points the connection at another server (a cluster slot moved): the current socket is closed before
    /// the next commands are written, and they go to `endpoint`.
    func retarget(to endpoint: RedisEndpoint) {
        core.retarget(to: endpoint)
    }
}

/// The state shared between the facade and the connection's thread.
final class ConnectionCore: Sendable {
    struct Request: Sendable {
        var commands: [RedisCommand]
        var cancel: CancelFlag?
        var completion: @Sendable (Result<[RedisReply], RedisError>) -> Void
    }

    private struct State {
        var queue: [Request] = []
        var closed = false
        var clientID: Int?
        var awaitingReplies = false
        var endpoint: RedisEndpoint
        /// Set by `retarget`: the thread drops its socket before writing again.
        var retargeted = false
    }

    private let state: Mutex<State>
    private let wakeup = DispatchSemaphore(value: 0)
    let configuration: RedisConfiguration
    let readTimeout: Duration?

    init(configuration: RedisConfiguration, readTimeout: Duration?) {
        self.configuration = configuration
        self.readTimeout = readTimeout
        state = Mutex(State(endpoint: RedisEndpoint(host: configuration.host, port: configuration.port)))
    }

    var endpoint: RedisEndpoint { state.withLock { $0.endpoint } }

    func retarget(to endpoint: RedisEndpoint) {
        state.withLock { state in
            guard state.endpoint != endpoint else { return }
            state.endpoint = endpoint
            state.retargeted = true
        }
    }

    var clientID: Int? { state.withLock { $0.clientID } }

    var isAwaitingReplies: Bool { state.withLock { $0.awaitingReplies } }

    func submit(_ request: Request) {
        let outcome: (accepted: Bool, wake: Bool) = state.withLock { state in
            if state.closed { return (false, false) }
            state.queue.append(request)
            return (true, state.queue.count == 1)
        }
        if !outcome.accepted {
            request.completion(.failure(RedisError(.closed, "the connection is closed")))
        } else if outcome.wake {
            wakeup.signal()
        }
    }

    func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen { wakeup.signal() }
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

    // MARK: - The connection's thread

    /// The thread's body: everything below runs on that thread only.
    func run() {
        var context: HiredisContext?
        var backoff: Duration?
        var nextAttempt = ContinuousClock.now

        while true {
            wakeup.wait()
            var (batch, closed) = state.withLock { state in
                defer { state.queue.removeAll(keepingCapacity: true) }
                return (state.queue, state.closed)
            }
            if closed {
                let error = RedisError(.closed, "the connection was closed")
                for request in batch { request.completion(.failure(error)) }
                let leftovers = state.withLock { state in
                    defer { state.queue.removeAll() }
                    return state.queue
                }
                for request in leftovers { request.completion(.failure(error)) }
                return
            }
            if batch.isEmpty { continue }

            let retargeted = state.withLock { state in
                defer { state.retargeted = false }
                return state.retargeted
            }
            if retargeted {
                context = nil
                backoff = nil
                nextAttempt = .now
                state.withLock { $0.clientID = nil }
            }
            if context == nil {
                // Wait out the backoff of the previous failure, then try once.
                waitUntil(nextAttempt)
                do {
                    context = try connect()
                    backoff = nil
                } catch {
                    let range = configuration.reconnectBackoff
                    let next = backoff.map { min($0 * 2, range.upperBound) } ?? range.lowerBound
                    backoff = next
                    nextAttempt = .now + next
                    for request in batch { request.completion(.failure(error)) }
                    continue
                }
            }
            guard let connection = context else { continue }

            // Requests cancelled before they were written are not sent (a blocking read cancelled before it
            // blocked would otherwise miss its CLIENT UNBLOCK and block to its end).
            batch.removeAll { request in
                guard request.cancel?.isSet == true else { return false }
                request.completion(.failure(RedisError(.cancelled, "cancelled before it was sent")))
                return true
            }
            if batch.isEmpty { continue }
            state.withLock { $0.awaitingReplies = true }
            defer { state.withLock { $0.awaitingReplies = false } }
            for request in batch {
                for command in request.commands { connection.append(command) }
            }
            var failure: RedisError?
            for request in batch {
                if let failure {
                    request.completion(.failure(failure))
                    continue
                }
                var replies: [RedisReply] = []
                replies.reserveCapacity(request.commands.count)
                do {
                    for _ in request.commands { replies.append(try connection.readReply()) }
                    request.completion(.success(replies))
                } catch {
                    failure = error
                    request.completion(.failure(error))
                }
            }
            if failure != nil {
                context = nil  // frees the dead hiredis context
                state.withLock { $0.clientID = nil }
            }
        }
    }

    private func connect() throws(RedisError) -> HiredisContext {
        let endpoint = self.endpoint
        let context = try HiredisContext(
            host: endpoint.host, port: endpoint.port,
            connectTimeout: configuration.connectTimeout, readTimeout: readTimeout)
        let id = try context.handshake(configuration)
        state.withLock { $0.clientID = id }
        return context
    }

    /// Sleeps until `instant`, waking early when the connection is closed.
    private func waitUntil(_ instant: ContinuousClock.Instant) {
        while !isClosed {
            let remaining = ContinuousClock.now.duration(to: instant)
            if remaining <= .zero { return }
            let slice = min(remaining, .milliseconds(50))
            let (seconds, attoseconds) = slice.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
    }
}

/// Set once a caller gave up on its request (see `RedisConnection.enqueue(_:cancel:completion:)`); also set
/// when the flag it follows is (a consumer's stop flag, for each of its reads).
final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    private let followed: CancelFlag?

    init(following followed: CancelFlag? = nil) {
        self.followed = followed
    }

    var isSet: Bool { flag.load(ordering: .acquiring) || (followed?.isSet ?? false) }

    func set() { flag.store(true, ordering: .releasing) }
}
