"""The paper channel: printable forms, typing them in, and importing spreadsheets of answers."""
