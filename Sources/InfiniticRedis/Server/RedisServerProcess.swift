import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `redis-server` child process on a free loopback port, with its data in a temporary folder: the embedded
/// default of the demo and the fixture of the integration tests. It runs with AOF (`appendfsync everysec`)
/// and `maxmemory-policy noeviction`, as production should.
public final class RedisServerProcess: Sendable {
    public let port: Int
    /// The folder holding the server's AOF and log.
    public let directory: String
    public let executable: String
    private let arguments: [String]
    private let process: LockedProcess
    /// A shell that kills the server if this process dies without stopping it (no orphan servers).
    private let watchdog: LockedProcess

    /// Starts a server and waits until it answers. The executable is `$REDIS_SERVER`, else `redis-server`
    /// from the PATH. Throws a clear error if none is installed. Without `port`, a free one is chosen; if
    /// another process takes it before the server binds it, the server starts again on another (three tries).
    public static func start(
        port: Int? = nil, appendOnly: Bool = true, extraArguments: [String] = [], directory: String? = nil
    ) async throws -> RedisServerProcess {
        guard port == nil else {
            return try await start(
                on: port, appendOnly: appendOnly, extraArguments: extraArguments, directory: directory)
        }
        var attempt = 1
        while true {
            do {
                return try await start(
                    on: nil, appendOnly: appendOnly, extraArguments: extraArguments, directory: directory)
            } catch let error as RedisError where attempt < 3 && error.message.contains("Address already in use") {
                attempt += 1
            }
        }
    }

    private static func start(
        on port: Int?, appendOnly: Bool, extraArguments: [String], directory: String?
    ) async throws -> RedisServerProcess {
        let executable = try findExecutable()
        let chosenPort = try port ?? freeLoopbackPort()
        let folder =
            directory ?? NSTemporaryDirectory() + "infinitic-redis-\(chosenPort)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var arguments = [
            "--port", String(chosenPort), "--bind", "127.0.0.1", "--dir", folder, "--save", "",
            "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction", "--protected-mode", "no", "--daemonize", "no",
            "--logfile", "redis.log",
        ]
        arguments += extraArguments
        let server = RedisServerProcess(
            port: chosenPort, directory: folder, executable: executable, arguments: arguments)
        try await server.launch()
        return server
    }

    private init(port: Int, directory: String, executable: String, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.executable = executable
        self.arguments = arguments
        self.process = LockedProcess()
        self.watchdog = LockedProcess()
    }

    deinit {
        process.terminate(signal: SIGKILL)
        watchdog.terminate(signal: SIGKILL)
    }

    /// `redis://127.0.0.1:<port>`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    public var processIdentifier: Int32? { process.current }

    /// Stops the server gracefully (SIGTERM: it flushes its AOF) and waits for it to exit.
    public func stop() {
        watchdog.terminate(signal: SIGKILL)
        process.terminate(signal: SIGTERM)
    }

    /// Kills the server (SIGKILL: what was not yet fsynced is lost, as in a crash).
    public func kill() {
        watchdog.terminate(signal: SIGKILL)
        process.terminate(signal: SIGKILL)
    }

    /// Starts the server again on the same port and folder (so it reloads its AOF).
    public func restart() async throws {
        stop()
        try await launch()
    }

    /// Stops the server and deletes its folder.
    public func stopAndRemoveData() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func launch() async throws {
        let pid = try ChildProcess.spawn(executable, arguments)
        process.set(pid)
        watchdog.set(try? Self.startWatchdog(killing: pid))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                let log = (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
                throw RedisError(
                    .connectionFailed,
                    "redis-server exited at start (port \(port)): \(log.split(separator: "\n").suffix(3).joined(separator: " | "))"
                )
            }
            if Self.canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisError(.connectionFailed, "redis-server did not accept connections on port \(port) within 10 s")
    }

    /// A shell that kills the server with SIGKILL once this process is gone.
    private static func startWatchdog(killing pid: Int32) throws -> Int32 {
        let parent = ProcessInfo.processInfo.processIdentifier
        let script =
            "while kill -0 \(parent) 2>/dev/null && kill -0 \(pid) 2>/dev/null; do sleep 1; done; kill -9 \(pid) 2>/dev/null"
        return try ChildProcess.spawn("/bin/sh", ["-c", script])
    }

    static func findExecutable() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["REDIS_SERVER"], !configured.isEmpty {
            return configured
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"] {
            let candidate = "\(folder)/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw RedisError(
            .connectionFailed,
            "redis-server not found in PATH: install it (Debian: apt-get install -y redis-server) or set REDIS_SERVER")
    }

    /// A loopback port free right now, below the kernel's ephemeral range (outgoing connections take their
    /// local ports from that range, so a port from it could be taken by a client before the server binds it),
    /// and never handed out twice by this process.
    public static func freeLoopbackPort() throws -> Int {
        let ephemeralStart = ephemeralPortRangeStart()
        let candidates = 10_000..<max(10_001, ephemeralStart)
        for _ in 0..<200 {
            let port = Int.random(in: candidates)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port: port) { return port }
        }
        throw RedisError(.connectionFailed, "no free loopback port found in \(candidates)")
    }

    private static let handedOut = Mutex(Set<Int>())

    /// The first port of `/proc/sys/net/ipv4/ip_local_port_range` (32768 when it cannot be read).
    private static func ephemeralPortRangeStart() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
    }

    /// Whether a socket can bind `port` on loopback now.
    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

/// The pid of a running child process, behind a lock.
private final class LockedProcess: Sendable {
    private let pid = Mutex<Int32?>(nil)

    func set(_ child: Int32?) {
        pid.withLock { $0 = child }
    }

    var current: Int32? { pid.withLock { $0 } }

    var isRunning: Bool {
        pid.withLock { pid in
            guard let child = pid else { return false }
            return ChildProcess.isRunning(child)
        }
    }

    /// Signals the process and waits for it to exit (reaping it).
    func terminate(signal: Int32) {
        pid.withLock { pid in
            guard let child = pid else { return }
            pid = nil
            ChildProcess.terminate(child, signal: signal)
        }
    }
}

/// Child processes with posix_spawn/waitpid (Foundation's `Process` reaps children on its own threads).
enum ChildProcess {
    /// Starts `executable` with `arguments`, its output discarded or appended to `output`, with this process's
    /// environment plus `environment`. Returns its pid.
    static func spawn(
        _ executable: String, _ arguments: [String], output: String? = nil, environment: [String: String] = [:]
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // Swift's threads block signals, and a spawned process inherits the mask: unblock everything and
        // restore default handlers, or the child would ignore SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let status = argv.withUnsafeBufferPointer { arguments in
            envp.withUnsafeBufferPointer { variables in
                posix_spawn(&pid, executable, &actions, &attributes, arguments.baseAddress!, variables.baseAddress!)
            }
        }
        guard status == 0 else {
            throw RedisError(.connectionFailed, "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Waits for `pid` to exit and returns its exit status (-1 if killed by a signal); kills it after `timeout`.
    static func wait(for pid: Int32, timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
            }
            if result == -1 && errno != EINTR { return -1 }
            if ContinuousClock.now >= deadline {
                terminate(pid, signal: SIGKILL)
                throw RedisError(.timeout, "a child process (pid \(pid)) ran longer than \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func isRunning(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == 0
    }

    static func terminate(_ pid: Int32, signal: Int32) {
        _ = kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}
