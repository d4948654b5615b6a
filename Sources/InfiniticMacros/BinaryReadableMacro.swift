import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@BinaryReadable` (internal to `Infinitic`): writes the `BinaryKeyedReadable` conformance of a struct or of an
/// enum from its declaration: what its synthesized `Decodable` conformance decodes (for an enum, its one case and
/// associated values), with the same keys (backticks dropped); optionals are nil when absent, a `let` with an
/// initial value is not read, each value's type is the one it is assigned to. A type with its own `init(from:)` or
/// `CodingKeys`, or members inside `#if`, is refused (its conformance is written by hand), and so is an enum with raw
/// values (decoded from its raw value: an empty extension makes it `BinaryReadable`). It reads the declaration as
/// written: an optional must be spelled as one (`T?`, `T!`, `Optional<T>`), not through a type alias.
public enum BinaryReadableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        if let custom = customDecoding(in: declaration.memberBlock) {
            context.diagnose(Diagnostic(node: custom, message: CodedMacroMessage(macro: .readable, problem: .custom)))
            return []
        }
        if let conditional = CodedDeclaration.conditionalMembers(declaration.memberBlock) {
            context.diagnose(
                Diagnostic(
                    node: conditional, message: CodedMacroMessage(macro: .readable, problem: .conditionalMembers)))
            return []
        }
        let body: String
        if declaration.is(StructDeclSyntax.self) {
            let properties = CodedDeclaration.properties(declaration.memberBlock) { name, binding in
                context.diagnose(
                    Diagnostic(node: binding, message: CodedMacroMessage(macro: .readable, problem: .untyped(name))))
            }
            guard let properties else { return [] }
            body = properties.filter { !$0.isInitializedConstant }.map { property in
                "self.\(property.name) = try fields.\(method(optional: property.isOptional))(\"\(property.key)\")"
            }.joined(separator: "\n")
        } else if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            if CodedDeclaration.hasRawValues(enumDecl) {
                context.diagnose(
                    Diagnostic(node: node, message: CodedMacroMessage(macro: .readable, problem: .rawValues)))
                return []
            }
            body = enumBody(CodedDeclaration.cases(of: enumDecl))
        } else {
            context.diagnose(
                Diagnostic(node: node, message: CodedMacroMessage(macro: .readable, problem: .notStructOrEnum)))
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

    /// The case found among the names of all cases, then the value made of its associated values (`_0`... when
    /// unlabeled); the last case is the `default` of the `switch`.
    private static func enumBody(_ cases: [EnumCaseElementSyntax]) -> String {
        guard !cases.isEmpty else { return "throw BinaryReadFields.caseCountMismatch(Self.self)" }
        let names = cases.map { "\"\(CodedDeclaration.key($0.name))\"" }.joined(separator: ", ")
        let branches = cases.enumerated().map { index, element in
            let label = index == cases.count - 1 ? "default:" : "case \(index):"
            return "\(label)\nself = \(construction(element))"
        }
        return "let (index, values) = try fields.enumCase(of: Self.self, names: [\(names)])\n"
            + "switch index {\n\(branches.joined(separator: "\n"))\n}"
    }

    /// `.name` or `.name(label: value, value...)`, each value read under its key.
    private static func construction(_ element: EnumCaseElementSyntax) -> String {
        let name = element.name.text
        guard let parameters = element.parameterClause?.parameters, !parameters.isEmpty else { return ".\(name)" }
        let arguments = parameters.enumerated().map { index, parameter in
            let key = CodedDeclaration.associatedValueKey(parameter, index: index)
            let label = parameter.firstName.map { $0.text == "_" ? "" : "\($0.text): " } ?? ""
            let method = method(optional: CodedDeclaration.isOptional(parameter.type))
            return "\(label)try values.\(method)(\"\(key)\")"
        }
        return ".\(name)(\(arguments.joined(separator: ", ")))"
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
