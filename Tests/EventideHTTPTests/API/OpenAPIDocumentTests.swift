import Eventide
import Hummingbird
import Testing

@testable import EventideHTTP

/// The OpenAPI document describes exactly the routes `AirflowAPI` registers, and every reference in it resolves.
@Suite(.timeLimit(.minutes(2)))
struct OpenAPIDocumentTests {
    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedRouteIsRegistered() async throws {
        let fixture = try await APIFixture.make("openapi-routes")
        let router = Router(context: EventideRequestContext.self)
        fixture.api.register(on: router)
        let registered = Set(
            router.routes.map { OpenAPIDocument.Operation(method: $0.method.rawValue, path: $0.path.description) })
        #expect(registered.count == 14)
        #expect(registered == OpenAPIDocument.operations)
        #expect(registered.subtracting(OpenAPIDocument.operations).isEmpty, "registered, not documented")
        #expect(OpenAPIDocument.operations.subtracting(registered).isEmpty, "documented, not registered")
    }

    @Test func everyReferenceResolvesAndEveryOperationHasAnId() throws {
        let document = OpenAPIDocument.document
        #expect(document["openapi"] == "3.1.0")
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if let target = object["$ref"]?.stringValue { references.append(target) }
                object.values.forEach(collect)
            case .array(let array): array.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in references {
            let name = reference.replacing("#/components/schemas/", with: "")
            #expect(schemas[name] != nil, "\(reference) does not resolve")
        }
        var ids: [String] = []
        for item in document["paths"]?.objectValue?.values.map({ $0 }) ?? [] {
            for operation in item.objectValue?.values.map({ $0 }) ?? [] {
                ids += [operation["operationId"]?.stringValue].compactMap { $0 }
            }
        }
        #expect(ids.count == OpenAPIDocument.operations.count)
        #expect(Set(ids).count == ids.count)
    }

    @Test func requiredFieldsOfEachResponseAreTheFieldsItDescribes() throws {
        let schemas = try #require(OpenAPIDocument.schemas.objectValue)
        for (name, schema) in schemas {
            guard let properties = schema["properties"]?.objectValue else { continue }
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(required).isSubset(of: Set(properties.keys)), "\(name)")
        }
    }
}
