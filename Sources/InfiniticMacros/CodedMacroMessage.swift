import SwiftDiagnostics

/// What `@BinaryWritable` or `@BinaryReadable` refuses, in the words of the one that does.
struct CodedMacroMessage: DiagnosticMessage {
    enum Macro {
        case writable
        case readable
    }

    enum Problem {
        /// A hand-written `encode(to:)` (writable) or `init(from:)` (readable), or `CodingKeys`.
        case custom
        case conditionalMembers
        case notStructOrEnum
        case rawValues
        case untyped(String)
    }

    let macro: Macro
    let problem: Problem

    private var name: String { macro == .writable ? "BinaryWritable" : "BinaryReadable" }
    private var keyed: String { macro == .writable ? "BinaryKeyedWritable" : "BinaryKeyedReadable" }

    var message: String {
        switch problem {
        case .custom:
            let member = macro == .writable ? "encode(to:)" : "init(from:)"
            return "@\(name) cannot mirror a hand-written '\(member)' or 'CodingKeys': write the '\(keyed)' "
                + "conformance by hand"
        case .conditionalMembers:
            return "@\(name) cannot mirror members inside '#if': write the '\(keyed)' conformance by hand"
        case .notStructOrEnum:
            return "@\(name) applies to a struct or an enum"
        case .rawValues:
            let how =
                macro == .writable ? "write an enum with raw values (encoded" : "read an enum with raw values (decoded"
            let from = macro == .writable ? "as" : "from"
            return "@\(name) cannot \(how) \(from) its raw value): declare its '\(name)' conformance with an empty "
                + "extension"
        case .untyped(let property):
            return "@\(name) needs the type of '\(property)' written out (it tells whether the field is optional)"
        }
    }

    var diagnosticID: MessageID {
        let id: String
        switch problem {
        case .custom: id = macro == .writable ? "customCoding" : "customDecoding"
        case .conditionalMembers: id = "conditionalMembers"
        case .notStructOrEnum: id = "notStructOrEnum"
        case .rawValues: id = "rawValues"
        case .untyped: id = "untyped"
        }
        return MessageID(
            domain: "InfiniticMacros", id: (macro == .writable ? "binaryWritable." : "binaryReadable.") + id)
    }

    var severity: DiagnosticSeverity { .error }
}
