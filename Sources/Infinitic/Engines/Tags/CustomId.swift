/// The `customId:<value>` tag: at most one running instance of a workflow carries it.
enum CustomId {
    static let prefix = "customId:"

    static func isCustomId(_ tag: String) -> Bool { tag.hasPrefix(prefix) }
}
