"""The banks shipped with mockpanel (YAML files beside this module)."""
