import Crypto
import Foundation
import InfiniticTransport

/// Identifiers derived from their inputs: the same inputs give the same id in any process, so a command
/// dispatched twice (a replayed workflow task, a redelivered message) keeps its id and collapses downstream.
public enum StableId {
    /// A UUID-shaped id (version 8, RFC 9562 "custom") from the SHA-256 of the length-prefixed parts.
    public static func make(_ parts: String...) -> String {
        make(parts)
    }

    /// A UUID-shaped id (version 8, RFC 9562 "custom") from the SHA-256 of the length-prefixed parts.
    public static func make(_ parts: [String]) -> String {
        digest(parts).withUnsafeBytes { digest in
            // Lowercase 8-4-4-4-12 hex of the first 16 bytes, with the version and variant bits set, written at once
            // (the same text as `UUID(uuid:).uuidString.lowercased()`, without its three allocations).
            String(unsafeUninitializedCapacity: 36) { text in
                let hex: StaticString = "0123456789abcdef"
                let digits = hex.utf8Start
                var position = 0
                for index in 0..<16 {
                    var byte = digest[index]
                    if index == 6 { byte = (byte & 0x0f) | 0x80 }
                    if index == 8 { byte = (byte & 0x3f) | 0x80 }
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = digits[Int(byte >> 4)]
                    text[position + 1] = digits[Int(byte & 0x0f)]
                    position += 2
                }
                return position
            }
        }
    }

    /// A 64-bit seed from the SHA-256 of the length-prefixed parts: the same parts give the same seed everywhere.
    static func seed(_ parts: String...) -> UInt64 {
        digest(parts).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The SHA-256 of the parts, each prefixed with its length in bytes (so that `("ab", "c")` and `("a", "bc")`
    /// differ).
    private static func digest(_ parts: [String]) -> SHA256.Digest {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count + 4 })
        for part in parts {
            bytes.appendDecimal(part.utf8.count)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: part.utf8)
        }
        return SHA256.hash(data: bytes)
    }

    /// The id of a command of a workflow: derived from the workflow, the method, the command's position in the
    /// method and the index of the workflow task that first ran it. Not its instant: a state engine step run again
    /// after a failed commit (whose messages to other partitions may have gone out) can batch other messages and so
    /// give its workflow task another instant, but the same index, so its commands keep their ids.
    public static func command(workflowId: String, methodId: String, position: Int, workflowTaskIndex: Int) -> String {
        make("command", workflowId, methodId, String(position), "task-" + String(workflowTaskIndex))
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
}
