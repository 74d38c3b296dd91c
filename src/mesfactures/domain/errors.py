"""Every error a use case may raise. The HTTP edge maps each class to one status, in one table."""

from __future__ import annotations


class DomainError(Exception):
    """A failure the user can be told about: a stable machine `code` and a French `message`."""

    code = "error"
    message = "Une erreur est survenue."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class InvalidInput(DomainError):
    code = "invalid_input"
    message = "La requête est invalide."


class InvalidFields(InvalidInput):
    """Input refused field by field: each message is shown next to its field."""

    code = "invalid_fields"
    message = "Certains champs sont invalides : corrigez-les puis renvoyez."

    def __init__(self, fields: dict[str, str] | None = None) -> None:
        super().__init__()
        self.fields = fields or {}


class InvalidPassword(InvalidInput):
    """A new password that breaks the pool's policy: one French message per rule broken."""

    code = "invalid_password"
    message = "Ce mot de passe ne respecte pas les règles."

    def __init__(self, rules: list[str] | None = None) -> None:
        super().__init__()
        self.rules = rules or []


class InvalidCode(InvalidInput):
    code = "invalid_code"
    message = "Ce code est incorrect ou n'est plus valable. Demandez-en un nouveau."


class WrongPassword(InvalidInput):
    code = "wrong_password"
    message = "Le mot de passe actuel est incorrect."


class ChangeAlreadyPending(DomainError):
    code = "change_pending"
    message = "Une modification de vos coordonnées bancaires attend déjà la validation du service financier."


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    message = "Votre session a expiré ou n'existe pas. Veuillez vous reconnecter."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    message = "Identifiant ou mot de passe incorrect."


class InvitationExpired(InvalidCredentials):
    code = "invitation_expired"
    message = (
        "Votre invitation a expiré (elle était valable 7 jours). Demandez à l'administrateur de votre "
        "agence de vous la renvoyer, ou au service financier s'il s'agit du premier accès de l'agence."
    )


class ChallengeExpired(NotAuthenticated):
    code = "challenge_expired"
    message = "Cette étape de connexion a expiré. Reconnectez-vous."


class NotAllowed(DomainError):
    code = "forbidden"
    message = "Vous n'avez pas accès à cette fonction."


class ForbiddenForRole(NotAllowed):
    code = "forbidden_for_role"
    message = "Votre rôle ne permet pas cette action. Adressez-vous à l'administrateur de votre agence."


class NotFound(DomainError):
    """Unknown, or someone else's: the two must be indistinguishable."""

    code = "not_found"
    message = "Élément introuvable."


class UnknownAccount(NotFound):
    """The agency has no account at this creditor (or the account is another agency's): a 404 like any
    other unknown thing. Raised by `domain.account_access.account_must_exist`, the one place of the rule."""

    message = "Compte introuvable."


class ConcurrentChange(DomainError):
    code = "concurrent_change"
    message = "Cet élément a été modifié entre-temps. Rechargez la page et recommencez."


class AgencyHasAdministrator(DomainError):
    code = "agency_has_administrator"
    message = (
        "Cette agence a déjà un administrateur actif : c'est à lui d'inviter ses collaborateurs. "
        "Contactez-le si l'agence a besoin d'un nouvel accès."
    )


class AlreadyRegistered(DomainError):
    code = "already_registered"
    message = "Un compte existe déjà pour cette adresse e-mail."


class BusinessRuleViolation(DomainError):
    """Well-formed, but against a rule of the business (a payment larger than what is due, say)."""

    code = "business_rule"
    message = "Cette opération n'est pas permise."


class InvoiceInDispute(DomainError):
    code = "in_dispute"
    message = "Cette facture fait déjà l'objet d'un litige en cours."


class InvoiceAlreadyPaid(BusinessRuleViolation):
    code = "already_paid"
    message = "Cette facture est déjà réglée."


class LastAdministrator(BusinessRuleViolation):
    code = "last_admin"
    message = "L'agence doit garder au moins un administrateur actif."


class SecondFactorAlreadyOn(BusinessRuleViolation):
    code = "totp_already_enabled"
    message = "La double authentification est déjà activée sur votre compte."


class PaymentInProgress(DomainError):
    code = "payment_in_progress"
    message = "Un paiement de cette facture est déjà en cours."


class PaymentNotPending(DomainError):
    """A payment that has had its outcome cannot be cancelled: the message says which outcome."""

    code = "payment_not_pending"
    message = "Ce paiement n'est plus en cours."


class PaymentSettled(PaymentNotPending):
    code = "payment_settled"
    message = "Ce paiement est déjà réglé : il ne peut plus être annulé."


class PaymentCompleting(PaymentNotPending):
    code = "payment_completing"
    message = (
        "Le paiement vient d'être validé chez Stripe : il est en cours d'enregistrement et ne peut plus "
        "être annulé. Vos factures seront réglées dans quelques instants."
    )


class PaymentUnavailable(DomainError):
    code = "payment_unavailable"
    message = "Le paiement en ligne est momentanément indisponible. Réessayez dans quelques minutes."


class TemporarilyUnavailable(DomainError):
    """AWS throttled or could not be reached even after the SDK's retries: nothing was changed."""

    code = "temporarily_unavailable"
    message = "Le service est momentanément surchargé. Réessayez dans quelques instants."


class TooManyRequests(DomainError):
    code = "too_many_requests"
    message = "Trop de demandes en peu de temps. Réessayez dans quelques minutes."


class TooManySignIns(TooManyRequests):
    code = "too_many_sign_ins"
    message = "Trop de tentatives de connexion. Réessayez dans un quart d'heure."


class ConfigurationError(Exception):
    """The deployment is wrong (a missing variable): a bug for operators, never shown to a user."""
