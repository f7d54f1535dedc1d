"""Pure composition: the person's FHIR resources in, view models out.

Nothing here touches the database or the web layer, so every rule (what is current,
what is a duplicate, which source is how fresh) is tested on plain dictionaries.
"""
