"""HTTP endpoints Twilio (and links in messages) call: not GraphQL."""
