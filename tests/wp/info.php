<?php
/*
 * Prints JSON {id: {slug, link, status, type, date, date_gmt, modified, title}} for the post ids
 * given as arguments (all posts and pages when none is given).
 */
require __DIR__ . '/bootstrap.php';
$ids = array_slice($argv, 1);
if (!$ids) {
    $ids = get_posts(['post_type' => ['post', 'page'], 'post_status' => 'any', 'numberposts' => -1, 'fields' => 'ids']);
}
$out = [];
foreach ($ids as $id) {
    $p = get_post((int) $id);
    if (!$p) {
        continue;
    }
    $out[$p->ID] = ['slug' => $p->post_name, 'link' => get_permalink($p), 'status' => $p->post_status,
        'type' => $p->post_type, 'date' => $p->post_date, 'date_gmt' => $p->post_date_gmt,
        'modified' => $p->post_modified, 'title' => $p->post_title];
}
echo json_encode($out, JSON_FORCE_OBJECT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
