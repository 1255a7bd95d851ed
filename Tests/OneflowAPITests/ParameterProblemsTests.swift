import Foundation
import Testing

@testable import OneflowAPI

/// `parameter_problems` says which field is wrong; Oneflow documents it only as "an object".
@Suite("Oneflow's parameter problems")
struct ParameterProblemsTests {
    @Test("strings, lists and nested objects all name their field, nested ones with dotted keys")
    func nested() async throws {
        // Given a 400 whose problems come in each shape seen or possible
        let body = #"""
            {"error_code": 4000000, "detail": "Invalid parameters.", "status": 400, "title": "Bad Request", "request_id": "r1",
             "parameter_problems": {"name": "Too long.", "data_fields": ["Unknown custom id.", "Too long."],
                                    "parties": {"0": {"participant": {"email": "Required by the delivery channel email."}}}}}
            """#
        try await withStubClient(["POST /v1/contracts/create": .json(body, status: .badRequest)]) { client, _ in
            // When a create fails with it
            let error = await #expect(throws: OneflowError.self) {
                try await client.createContract(
                    OneflowCredentials(token: String(repeating: "t", count: 40), userEmail: "hr@acme.example"),
                    ContractCreateInput(workspaceID: 1, templateID: 2))
            }
            // Then every problem is kept under a key that names its field
            #expect(error?.category == .invalidRequest)
            #expect(
                error?.parameterProblems == [
                    "name": "Too long.", "data_fields": "Unknown custom id., Too long.",
                    "parties.0.participant.email": "Required by the delivery channel email.",
                ])
        }
    }
}
