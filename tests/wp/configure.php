<?php
/*
 * Second install step of the ham-archive test harness (a normal, not WP_INSTALLING, load so that
 * themes are registered): theme, permalinks, removal of the sample content.
 * argv: theme
 */
require __DIR__ . '/bootstrap.php';
$theme = $argv[1];
if (!wp_get_theme($theme)->exists()) {
    fwrite(STDERR, "theme $theme not found in " . get_theme_root() . "\n");
    exit(2);
}
// Remove the sample content so that only what a test loads exists.
foreach (get_posts(['post_type' => ['post', 'page'], 'post_status' => 'any', 'numberposts' => -1]) as $p) {
    wp_delete_post($p->ID, true);
}
update_option('wp_page_for_privacy_policy', 0);

switch_theme($theme);
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
flush_rewrite_rules(false);
echo json_encode(['theme' => get_stylesheet(), 'permalink_structure' => get_option('permalink_structure'),
    'timezone_string' => get_option('timezone_string'), 'WPLANG' => get_option('WPLANG'),
    'blog_public' => get_option('blog_public'), 'date_format' => get_option('date_format')]), "\n";
