"""Requirements catalogue: the frameworks' requirements as versioned data with URNs, crosswalks and OSCAL export."""
