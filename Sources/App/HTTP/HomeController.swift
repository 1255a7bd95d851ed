import Vapor

/// `GET /`: what this service is, which Oneflow it talks to, and where to go next.
struct HomeController: RouteCollection {
    let config: AppConfig

    struct HomePage: Encodable {
        var title: String
        var usesSandbox: Bool
        var oneflowBaseURL: String
        var publicBaseURL: String
        var setupURL: String
        var webhookURLPattern: String
        var database: String
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
    }

    @Sendable
    func home(req: Request) async throws -> View {
        try await req.view.render(
            "home",
            HomePage(
                title: "HR Bridge for Oneflow",
                usesSandbox: config.oneflow.usesSandbox,
                oneflowBaseURL: config.oneflow.baseURL ?? "",
                publicBaseURL: config.publicBaseURL,
                setupURL: config.publicBaseURL + "/setup",
                webhookURLPattern: config.publicBaseURL + "/webhooks/oneflow/{installation key}",
                database: config.database.kind == "sqlite" ? "SQLite" : "PostgreSQL"
            ))
    }
}
