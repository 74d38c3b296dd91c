"""The portal's constructs, one module per concern; `stack.PortalStack` assembles them."""
