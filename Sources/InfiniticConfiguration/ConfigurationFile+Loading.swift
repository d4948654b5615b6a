import Foundation
import Yams

extension ConfigurationFile {
    /// Reads and checks the file at `path` (see `init(yaml:file:environment:)`).
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationFileError) -> ConfigurationFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationFileError(file: path, key: "", line: nil, reason: "cannot read the file")
        }
        return try ConfigurationFile(yaml: String(decoding: data, as: UTF8.self), file: path, environment: environment)
    }

    /// Parses YAML text: `${VAR}` and `${VAR:-default}` are replaced from `environment` first, then every key
    /// must be known and every value of the right type.
    public init(
        yaml: String, file: String = "<text>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationFileError) {
        let text = try Self.interpolate(yaml, file: file, environment: environment)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationFileError(file: file, key: "", line: nil, reason: "the file is empty")
            }
            root = node
        } catch let error as ConfigurationFileError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationFileError(
                file: file, key: "", line: Self.line(of: error), reason: "invalid YAML: \(error)")
        } catch {
            throw ConfigurationFileError(file: file, key: "", line: nil, reason: "invalid YAML: \(error)")
        }
        do {
            self = try YAMLDecoder().decode(ConfigurationFile.self, from: root)
        } catch let error as DecodingError {
            throw Self.describe(error, root: root, file: file)
        } catch {
            throw ConfigurationFileError(file: file, key: "", line: nil, reason: "\(error)")
        }
        try Self.checkKeys(of: root, against: self, file: file)
    }

    // MARK: - Environment

    private static func interpolate(
        _ text: String, file: String, environment: [String: String]
    ) throws(ConfigurationFileError) -> String {
        guard text.contains("${") else { return text }
        var lines: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var result = ""
            var rest = Substring(line)
            while let start = rest.range(of: "${") {
                result += rest[..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                    throw ConfigurationFileError(
                        file: file, key: "", line: index + 1, reason: "'${' without its closing '}'")
                }
                let expression = rest[start.upperBound..<end]
                let (name, fallback): (Substring, Substring?) =
                    if let separator = expression.range(of: ":-") {
                        (expression[..<separator.lowerBound], expression[separator.upperBound...])
                    } else {
                        (expression, nil)
                    }
                if let value = environment[String(name)], !value.isEmpty {
                    result += value
                } else if let fallback {
                    result += fallback
                } else {
                    throw ConfigurationFileError(
                        file: file, key: "", line: index + 1,
                        reason: "the environment variable \(name) is not set (write ${\(name):-default} for a default)")
                }
                rest = rest[rest.index(after: end)...]
            }
            lines.append(result + rest)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Errors with key and line

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    private static func describe(_ error: DecodingError, root: Node, file: String) -> ConfigurationFileError {
        let (path, reason): ([any CodingKey], String) =
            switch error {
            case .typeMismatch(let type, let context):
                (context.codingPath, "expected \(Self.name(of: type))")
            case .valueNotFound(let type, let context):
                (context.codingPath, "expected \(Self.name(of: type)), found nothing")
            case .keyNotFound(let key, let context):
                (context.codingPath + [key], "missing")
            case .dataCorrupted(let context):
                (context.codingPath, context.debugDescription)
            @unknown default:
                ([], "\(error)")
            }
        // The line of the deepest node of the path that exists (for a missing key, its mapping).
        var node: Node? = root
        var line = root.mark?.line
        for key in path {
            node = node.flatMap { child(of: $0, key) }
            guard let found = node else { break }
            line = found.mark?.line ?? line
        }
        return ConfigurationFileError(file: file, key: keyPath(path), line: line, reason: reason)
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: if "\(type)".hasPrefix("Array") { "a list" } else { "a mapping" }
        }
    }

    private static func child(of node: Node, _ key: any CodingKey) -> Node? {
        if let index = key.intValue, let sequence = node.sequence {
            return index < sequence.count ? sequence[index] : nil
        }
        return node.mapping?[key.stringValue]
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    /// Every key of the file must be one the configuration knows: the decoded value encoded again holds every
    /// known key that was given, so a key of the file missing from it is unknown (a typo, a misplaced key).
    private static func checkKeys(
        of root: Node, against decoded: ConfigurationFile, file: String
    ) throws(ConfigurationFileError) {
        guard let encoded = try? YAMLEncoder().encode(decoded), let known = try? Yams.compose(yaml: encoded) else {
            return
        }
        func walk(_ given: Node, _ known: Node, _ path: String) throws(ConfigurationFileError) {
            if let mapping = given.mapping {
                for (key, value) in mapping {
                    let name = key.string ?? "\(key)"
                    let keyPath = path.isEmpty ? name : "\(path).\(name)"
                    guard let knownValue = known.mapping?[name] else {
                        if value.null != nil { continue }
                        throw ConfigurationFileError(
                            file: file, key: keyPath, line: key.mark?.line, reason: "unknown key")
                    }
                    try walk(value, knownValue, keyPath)
                }
            } else if let sequence = given.sequence, let knownSequence = known.sequence {
                for (index, value) in sequence.enumerated() where index < knownSequence.count {
                    try walk(value, knownSequence[index], "\(path)[\(index)]")
                }
            }
        }
        try walk(root, known, "")
    }
}
