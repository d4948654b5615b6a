import Foundation

/// The moment a workflow task (re)started a method: code from there on runs "as of" this workflow task, with
/// this instant as `now` and these property values.
@BinaryWritable
@BinaryReadable
public struct Resumption: Sendable, Hashable, Codable {
    public var taskIndex: Int
    public var instant: Date
    /// The workflow's properties when that workflow task was dispatched.
    public var properties: [String: Payload]

    public init(taskIndex: Int, instant: Date, properties: [String: Payload]) {
        self.taskIndex = taskIndex
        self.instant = instant
        self.properties = properties
    }
}
