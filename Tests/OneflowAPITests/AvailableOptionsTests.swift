import Foundation
import Testing

@testable import OneflowAPI

@Suite("AvailableOptions.problems(for:) checks a participant against a template")
struct AvailableOptionsTests {
    /// §3b's options plus SMS delivery and a BankID sign method that needs the personal number.
    let options = AvailableOptions(
        deliveryChannels: [
            .init(name: "email", preferred: true, requiredParticipantAttributes: ["email"]),
            .init(name: "sms", requiredParticipantAttributes: ["phone_number"]),
            .init(name: "none"),
        ],
        signMethods: [
            .init(name: "standard_esign", preferred: true),
            .init(name: "swedish_bankid", requiredParticipantAttributes: ["identification_number"]),
        ],
        twoStepAuthenticationMethods: [
            .init(name: "email", requiredParticipantAttributes: ["email"]),
            .init(name: "none", preferred: true),
        ])

    @Test("a participant with everything its choices need has no problems")
    func valid() {
        // given
        let participant = ParticipantInput(
            name: "Jane", email: "jane@example.com", deliveryChannel: "email",
            signMethod: "standard_esign", twoStepAuthenticationMethod: "email")
        // when / then
        #expect(options.problems(for: participant) == [:])
    }

    @Test("a channel or method the template does not offer is named, with what it does offer")
    func notOffered() {
        // given
        let participant = ParticipantInput(
            email: "jane@example.com", deliveryChannel: "email_and_sms",
            signMethod: "norwegian_bankid", twoStepAuthenticationMethod: "sms")
        // when
        let problems = options.problems(for: participant)
        // then
        #expect(Set(problems.keys) == ["delivery_channel", "sign_method", "two_step_authentication_method"])
        #expect(problems["delivery_channel"] == "email_and_sms is not available in this template (available: email, sms, none)")
        #expect(problems["sign_method"]?.contains("standard_esign, swedish_bankid") == true)
    }

    @Test("SMS delivery without a phone number")
    func smsWithoutPhone() {
        // given
        let participant = ParticipantInput(name: "Jane", email: "jane@example.com", deliveryChannel: "sms")
        // when / then
        #expect(options.problems(for: participant) == ["phone_number": "required by delivery channel sms"])
    }

    @Test("an email needed by both channel and 2FA is one problem naming both; blank counts as missing")
    func blankEmailTwice() {
        // given
        let participant = ParticipantInput(name: "Jane", email: "  ", deliveryChannel: "email", twoStepAuthenticationMethod: "email")
        // when / then
        #expect(options.problems(for: participant) == ["email": "required by delivery channel email and two-step authentication email"])
    }

    @Test("a sign method requires only what its option lists: nothing for standard e-sign, the personal number for BankID")
    func signMethodAttributes() {
        // given
        let esign = ParticipantInput(email: "jane@example.com", deliveryChannel: "email", signMethod: "standard_esign")
        let bankID = ParticipantInput(email: "jane@example.com", deliveryChannel: "email", signMethod: "swedish_bankid")
        // when / then
        #expect(options.problems(for: esign) == [:])
        #expect(options.problems(for: bankID) == ["identification_number": "required by sign method swedish_bankid"])
    }

    @Test("choices left nil are not checked")
    func nothingChosen() {
        #expect(options.problems(for: ParticipantInput(name: "Jane")) == [:])
    }

    @Test("a kind with no listed options is not checked, and unknown required attributes are not reported")
    func unknownShapes() {
        // given a template that lists only an email channel needing an attribute we cannot read
        let sparse = AvailableOptions(deliveryChannels: [.init(name: "email", requiredParticipantAttributes: ["email", "fax"])])
        let participant = ParticipantInput(email: "jane@example.com", deliveryChannel: "email", signMethod: "anything")
        // when / then
        #expect(sparse.problems(for: participant) == [:])
    }

    @Test("the documented sample decodes into options that accept an e-mailed employee")
    func fromSample() throws {
        // given
        let template = try JSONDecoder.oneflow().decode(Template.self, from: Data(CreationFixtures.template.utf8))
        let options = try #require(template.availableOptions)
        // when
        let ok = options.problems(
            for: ParticipantInput(
                email: "jane@example.com", deliveryChannel: "email",
                signMethod: "standard_esign", twoStepAuthenticationMethod: "none"))
        let noEmail = options.problems(for: ParticipantInput(deliveryChannel: "email"))
        // then
        #expect(ok == [:])
        #expect(noEmail == ["email": "required by delivery channel email"])
    }
}
