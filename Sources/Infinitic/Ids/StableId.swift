import Crypto
import Foundation

/// Identifiers derived from their inputs: the same inputs give the same id in any process, so a command
/// dispatched twice (a replayed workflow task, a redelivered message) keeps its id and collapses downstream.
public enum StableId {
    /// A UUID-shaped id (version 8, RFC 9562 "custom") from the SHA-256 of the length-prefixed parts.
    public static func make(_ parts: String...) -> String {
        make(parts)
    }

    /// A UUID-shaped id (version 8, RFC 9562 "custom") from the SHA-256 of the length-prefixed parts.
    public static func make(_ parts: [String]) -> String {
        var digest = Array(digest(parts).prefix(16))
        digest[6] = (digest[6] & 0x0f) | 0x80
        digest[8] = (digest[8] & 0x3f) | 0x80
        let uuid = UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            ))
        return uuid.uuidString.lowercased()
    }

    /// A 64-bit seed from the SHA-256 of the length-prefixed parts: the same parts give the same seed everywhere.
    static func seed(_ parts: String...) -> UInt64 {
        digest(parts).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The SHA-256 of the parts, each prefixed with its length in bytes (so that `("ab", "c")` and `("a", "bc")`
    /// differ).
    private static func digest(_ parts: [String]) -> SHA256.Digest {
        var bytes: [UInt8] = []
        for part in parts {
            let utf8 = Array(part.utf8)
            bytes.append(contentsOf: "\(utf8.count):".utf8)
            bytes.append(contentsOf: utf8)
        }
        return SHA256.hash(data: bytes)
    }

    /// The id of a command of a workflow: derived from the workflow, the method, the command's position in the
    /// method and the instant of the workflow task that first ran it.
    public static func command(
        workflowId: String, methodId: String, position: Int, workflowTaskInstant: Date
    )
        -> String
    {
        make("command", workflowId, methodId, String(position), instantString(workflowTaskInstant))
    }

    /// The id of the workflow task number `index` of a workflow.
    public static func workflowTask(workflowId: String, index: Int) -> String {
        make("workflow-task", workflowId, String(index))
    }

    /// The id of the `index`-th message emitted while handling the message `inputMessageId`: handling the same
    /// input again emits the same ids.
    public static func output(of inputMessageId: String, index: Int) -> String {
        make("output", inputMessageId, String(index))
    }

    /// Microseconds since 1970, as text: exact for any instant a `Date` carries through JSON.
    static func instantString(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }
}
