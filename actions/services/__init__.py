"""Order data, business policies and settings shared by the actions and the handoff gateway.

Nothing in this package imports rasa_sdk, and importing it does no I/O.
"""
