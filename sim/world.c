typedef int viosim_placeholder_t; /* replaced by the module's implementation */
