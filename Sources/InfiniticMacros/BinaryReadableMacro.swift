import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@BinaryReadable` (internal to `Infinitic`): writes the `BinaryKeyedReadable` conformance of a struct or of an
/// enum from its declaration: what its synthesized `Decodable` conformance decodes (for an enum, its one case and
/// associated values), with the same keys; optionals are nil when absent, a `let` with an initial value is not
/// read. A type with its own `init(from:)` or `CodingKeys` is refused (its conformance is written by hand), and so
/// is an enum with raw values (decoded from its raw value: an empty extension makes it `BinaryReadable`).
public enum BinaryReadableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        if let custom = customDecoding(in: declaration.memberBlock) {
            context.diagnose(Diagnostic(node: custom, message: BinaryReadableMessage.customDecoding))
            return []
        }
        let body: String
        if declaration.is(StructDeclSyntax.self) {
            let properties = CodedDeclaration.properties(declaration.memberBlock) { name, binding in
                context.diagnose(Diagnostic(node: binding, message: BinaryReadableMessage.untyped(name)))
            }
            guard let properties else { return [] }
            body = properties.filter { !$0.isInitializedConstant }.map { property in
                let method = method(optional: property.isOptional)
                return
                    "self.\(property.name) = try fields.\(method)(\"\(property.name)\", as: \(property.valueType).self)"
            }.joined(separator: "\n")
        } else if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            if CodedDeclaration.hasRawValues(enumDecl) {
                context.diagnose(Diagnostic(node: node, message: BinaryReadableMessage.rawValues))
                return []
            }
            let branches = CodedDeclaration.cases(of: enumDecl).map(caseBranch)
            body =
                "let (name, values) = try fields.enumCase()\n"
                + branches.joined(separator: " else ")
                + (branches.isEmpty ? "" : " else ")
                + "{\nthrow fields.unknownCase(name, of: Self.self)\n}"
        } else {
            context.diagnose(Diagnostic(node: node, message: BinaryReadableMessage.notStructOrEnum))
            return []
        }
        let decl: DeclSyntax = """
            extension \(type.trimmed): BinaryKeyedReadable {
            init(fields: BinaryReadFields) throws {
            \(raw: body)
            }
            }
            """
        return [decl.cast(ExtensionDeclSyntax.self)]
    }

    private static func method(optional: Bool) -> String {
        optional ? "fieldIfPresent" : "field"
    }

    /// One branch of the `if`: the case whose name the key is, made from its associated values (`_0`... when
    /// unlabeled).
    private static func caseBranch(_ element: EnumCaseElementSyntax) -> String {
        let name = element.name.text
        guard let parameters = element.parameterClause?.parameters, !parameters.isEmpty else {
            return "if name.matches(\"\(name)\") {\nself = .\(name)\n}"
        }
        let arguments = parameters.enumerated().map { index, parameter in
            let key = CodedDeclaration.associatedValueKey(parameter, index: index)
            let label = parameter.firstName.map { $0.text == "_" ? "" : "\($0.text): " } ?? ""
            let method = method(optional: CodedDeclaration.isOptional(parameter.type))
            let type = CodedDeclaration.valueType(parameter.type)
            return "\(label)try values.\(method)(\"\(key)\", as: \(type).self)"
        }
        return "if name.matches(\"\(name)\") {\nself = .\(name)(\(arguments.joined(separator: ", ")))\n}"
    }

    /// A hand-written `init(from:)` or `CodingKeys`, if the type has one.
    private static func customDecoding(in members: MemberBlockSyntax) -> Syntax? {
        for member in members.members {
            if let initializer = member.decl.as(InitializerDeclSyntax.self),
                initializer.signature.parameterClause.parameters.first?.firstName.text == "from"
            {
                return Syntax(initializer.initKeyword)
            }
            if let nested = member.decl.as(EnumDeclSyntax.self), nested.name.text == "CodingKeys" {
                return Syntax(nested.name)
            }
        }
        return nil
    }
}

enum BinaryReadableMessage: DiagnosticMessage {
    case customDecoding
    case notStructOrEnum
    case rawValues
    case untyped(String)

    var message: String {
        switch self {
        case .customDecoding:
            "@BinaryReadable cannot mirror a hand-written 'init(from:)' or 'CodingKeys': write the "
                + "'BinaryKeyedReadable' conformance by hand"
        case .notStructOrEnum:
            "@BinaryReadable applies to a struct or an enum"
        case .rawValues:
            "@BinaryReadable cannot read an enum with raw values (decoded from its raw value): declare its "
                + "'BinaryReadable' conformance with an empty extension"
        case .untyped(let name):
            "@BinaryReadable needs the type of '\(name)' written out (it tells whether the field is optional)"
        }
    }

    var diagnosticID: MessageID {
        let id: String
        switch self {
        case .customDecoding: id = "customDecoding"
        case .notStructOrEnum: id = "notStructOrEnum"
        case .rawValues: id = "rawValues"
        case .untyped: id = "untyped"
        }
        return MessageID(domain: "InfiniticMacros", id: "binaryReadable." + id)
    }

    var severity: DiagnosticSeverity { .error }
}
