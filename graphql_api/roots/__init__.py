"""Root fields per area of the API, merged in graphql_api/schema.py."""
