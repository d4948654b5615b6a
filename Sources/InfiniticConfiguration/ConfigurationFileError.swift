/// A configuration file that cannot be used: where (the key path and line, when known) and why.
public struct ConfigurationFileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file, or `<text>` for a string.
    public var file: String
    /// The key path, e.g. `services[0].retry.maximumRetries` (empty for the whole file).
    public var key: String
    /// 1-based line, when known.
    public var line: Int?
    public var reason: String

    public init(file: String, key: String, line: Int?, reason: String) {
        self.file = file
        self.key = key
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
    }
}
